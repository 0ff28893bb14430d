// Pure UI logic (no React, no transport), unit-tested with Vitest: form validation, the cost-versus-budget bar,
// stage progress.

import type { Genre } from "./bindings/Genre";
import type { Route } from "./bindings/Route";

export type { Genre };

export interface NewSeriesForm {
  title: string;
  genre: Genre;
  episodes: number;
  duration_min: number;
  premise: string;
  audience: string;
  writer: "offline" | "openai" | "anthropic";
}

export type FieldErrors = Partial<Record<keyof NewSeriesForm, string>>;

/** Field → message key (see i18n), empty when the form can be sent. */
export function validateNewSeries(f: NewSeriesForm): FieldErrors {
  const e: FieldErrors = {};
  if (f.title.trim().length === 0) e.title = "err.title_required";
  else if (f.title.trim().length > 80) e.title = "err.title_long";
  if (!Number.isInteger(f.episodes) || f.episodes < 1 || f.episodes > 200) e.episodes = "err.episodes_range";
  if (!Number.isInteger(f.duration_min) || f.duration_min < 1 || f.duration_min > 30) e.duration_min = "err.duration_range";
  if (f.premise.length > 2000) e.premise = "err.premise_long";
  return e;
}

export interface CostBar {
  /** 0–1 of the bar's full width (the hard cap). */
  estimateShare: number;
  budgetShare: number;
  overBudget: boolean;
  overCap: boolean;
  label: string;
}

/** The live cost bar: the estimate against the episode budget and the hard cap (the bar's end). */
export function costBar(estimate: number, budget: number, hardCap: number): CostBar {
  const cap = Math.max(hardCap, budget, 0.0001);
  const clamp = (x: number) => Math.max(0, Math.min(1, x));
  return {
    estimateShare: clamp(estimate / cap),
    budgetShare: clamp(budget / cap),
    overBudget: estimate > budget + 1e-9,
    overCap: estimate > hardCap + 1e-9,
    label: `$${estimate.toFixed(2)} / $${budget.toFixed(2)}`,
  };
}

/** Share of an episode's stages done, and whether one failed or waits for a person. */
export function stageProgress(stages: [string, string][]): { done: number; total: number; blocked: string | null } {
  let done = 0;
  let blocked: string | null = null;
  for (const [stage, status] of stages) {
    if (status === "succeeded") done += 1;
    else if (status === "needs_attention" && blocked === null) blocked = stage;
  }
  return { done, total: stages.length, blocked };
}

/** Route names for people. */
export function routeLabel(route: Pick<Route, "kind">): "video" | "still" | "offline" {
  if (route.kind === "video") return "video";
  if (route.kind === "still") return "still";
  return "offline";
}
