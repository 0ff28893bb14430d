// What every screen shares: the context, running an action with its error, pickers.

import { useEffect, useState } from "react";
import type { Client as Api } from "../bindings/client";
import type { EngineEvent } from "../bindings/EngineEvent";
import type { SeriesSummary } from "../bindings/SeriesSummary";
import { nextStep } from "../logic";
import { EngineError } from "../transport";

export type T = (k: string) => string;

export interface Ctx {
  api: Api;
  t: T;
  series: string | null;
  setSeries: (id: string) => void;
  episode: number;
  setEpisode: (n: number) => void;
  events: EngineEvent[];
  mediaUrl: (path: string) => string;
}

/** Runs an action with a busy flag and shows its error with what to do next. */
export function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<EngineError | null>(null);
  const run = async <R,>(f: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e instanceof EngineError ? e : new EngineError({ code: "internal", message: String(e) }));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function ErrorBox({ error, t }: { error: EngineError | null; t: T }) {
  if (!error) return null;
  return (
    <div role="alert" className="error">
      <strong>{t("common.error")}</strong>: {error.message}
      <div className="hint">
        {t("common.error_next")}: {t(nextStep(error.code))}
      </div>
    </div>
  );
}

export function SeriesPicker({ ctx, list }: { ctx: Ctx; list: SeriesSummary[] }) {
  return (
    <label>
      {ctx.t("common.series")}{" "}
      <select data-testid="series-picker" value={ctx.series ?? ""} onChange={(e) => ctx.setSeries(e.target.value)}>
        <option value="" disabled>
          —
        </option>
        {list.map((s) => (
          <option key={s.id} value={s.id}>
            {s.title}
          </option>
        ))}
      </select>
    </label>
  );
}

export function useSeriesList(ctx: Ctx, bump = 0) {
  const [list, setList] = useState<SeriesSummary[]>([]);
  useEffect(() => {
    ctx.api.series_list().then(setList).catch(() => setList([]));
  }, [ctx.api, bump]);
  return list;
}

export function EpisodePicker({ ctx }: { ctx: Ctx }) {
  return (
    <label>
      {ctx.t("common.episode")}{" "}
      <input data-testid="episode-picker" type="number" min={1} value={ctx.episode} onChange={(e) => ctx.setEpisode(Math.max(1, Number(e.target.value) || 1))} style={{ width: 60 }} />
    </label>
  );
}
