// Typed calls to the engine's commands (the table in crates/studio-server/src/api.rs) and its event stream.
// The shapes mirror the Rust types they come from (named in each comment).

import type { Transport } from "./transport";
import type { Genre, NewSeriesForm, RouteDecision } from "./logic";

/** studio_store::SeriesSummary */
export interface SeriesSummary {
  id: string;
  title: string;
  genre: Genre;
  status: string;
  total_episodes: number;
  characters: number;
  recorded_episodes: number;
  published_episodes: number;
}

/** studio_domain::EpisodeOutline (the fields the planner shows) */
export interface Outline {
  episode_number: number;
  title: string;
  arc_phase: string;
  main_event: string;
  hook: string;
  cliffhanger: string;
}

/** studio_domain::Character (the fields the casting screen shows) */
export interface Character {
  id: string;
  name: string;
  role: string;
  importance: string;
  age?: number | null;
  occupation: string;
  personality: string[];
}

/** studio_domain::Relationship */
export interface Relationship {
  a: string;
  b: string;
  type: string;
  intimacy: number;
  status: string;
}

/** studio_core::SeriesDetail */
export interface SeriesDetail {
  plan: {
    series: { id: string; title: string; genre: Genre; total_episodes: number; premise: string };
    characters: Character[];
    relationships: Relationship[];
    outlines: Outline[];
  };
  episodes: { number: number; title: string; status: string }[];
  readiness: string[];
}

/** studio_core::NewSeriesReport */
export interface NewSeriesReport {
  series_id: string;
  title: string;
  offline: boolean;
  characters: number;
  problems: string[];
}

/** studio_domain::VoiceAssignment */
export interface Voice {
  provider: string;
  voice_id: string;
  voice_name: string;
  match_score: number;
}

/** studio_core::CastView */
export interface CastView {
  series_id: string;
  locked: boolean;
  rows: { character_id: string; name: string; importance: string; entry: { primary: Voice; fallbacks: Voice[] } }[];
  notes: string[];
}

/** studio_domain::Shot */
export interface Shot {
  scene: number;
  visual: string;
  video_prompt: string;
  emotion: string;
  duration_sec: number;
  clip_priority: "high" | "low";
}

/** studio_pipeline::visuals::RoutePlan */
export interface RoutePlan {
  decisions: RouteDecision[];
  estimated_usd: number;
  budget_usd: number;
  hard_cap_usd: number;
  spent_before_usd: number;
}

export interface StoryboardView {
  shots: Shot[];
  scenes: { number: number; location: string; lines: number }[];
  plan: RoutePlan;
  if_paid: RoutePlan;
}

/** studio_core::production::StatusReport */
export interface StatusReport {
  jobs_by_status: Record<string, number>;
  episodes: { series_id: string; episode: number; status: string; done: number; total: number; stages: [string, string][] }[];
  cost_today: [string, number][];
  cost_today_usd: number;
  attention: { job_id: number; series_id: string; episode: number; stage: string; kind: string; message: string }[];
  paused_series: string[];
  youtube: { units_used: number; units_limit: number; uploads_used: number; uploads_limit: number; resets_at: string };
}

/** studio_core::review::ReviewItem */
export interface ReviewItem {
  series_id: string;
  series_title: string;
  episode: number;
  title: string;
  status: string;
  video: string | null;
  flags: string[];
  decisions: { decision: string; reason: string; at_ms: number; publish_at: string | null }[];
}

/** studio_core::SecretStatus */
export interface SecretStatus {
  provider: string;
  configured: boolean;
  source: string | null;
}

/** studio_core::EngineEvent (tagged by `type`) */
export type EngineEvent =
  | { type: "render_progress"; series_id: string; episode: number; frames_done: number; frames_total: number }
  | { type: "upload_progress"; series_id: string; episode: number; bytes_done: number; bytes_total: number }
  | { type: "job_finished"; series_id: string; episode: number; stage: string; status: string }
  | { type: "alert"; level: "info" | "warning" | "critical"; message: string }
  | { type: string; [k: string]: unknown };

export function api(t: Transport) {
  return {
    seriesList: () => t.call<SeriesSummary[]>("series_list"),
    seriesShow: (series: string) => t.call<SeriesDetail>("series_show", { series }),
    seriesNew: (f: NewSeriesForm) => t.call<NewSeriesReport>("series_new", { ...f, theme: "" }),
    castView: (series: string) => t.call<CastView>("cast_view", { series }),
    castLock: (series: string, locked: boolean) => t.call<CastView>("cast_lock", { series, locked }),
    audition: (series: string, character: string) =>
      t.call<{ media: string }>("cast_audition", { series, character }),
    writeEpisode: (series: string, episode: number) => t.call<unknown>("write_episode", { series, episode }),
    episodeScript: (series: string, episode: number) =>
      t.call<{ title: string; scenes: { number: number; location: string; lines: { id: string; character: string; text: string }[] }[] } | null>(
        "episode_script",
        { series, episode },
      ),
    storyboard: (series: string, episode: number) => t.call<StoryboardView>("storyboard", { series, episode }),
    setPriority: (series: string, episode: number, shot: number, priority: "high" | "low") =>
      t.call<StoryboardView>("set_shot_priority", { series, episode, shot, priority }),
    produce: (series: string, episode: number) => t.call<{ jobs_added: number }>("produce", { series, episode }),
    status: () => t.call<StatusReport>("status"),
    pause: (series: string, paused: boolean) => t.call<boolean>("series_pause", { series, paused }),
    reviewList: () => t.call<ReviewItem[]>("review_list"),
    approve: (series: string, episode: number, reason: string) =>
      t.call<{ status: string; publish_at: string | null }>("review_approve", { series, episode, reason }),
    reject: (series: string, episode: number, reason: string) => t.call<string>("review_reject", { series, episode, reason }),
    regenerate: (series: string, episode: number, scenes: number[], reason: string) =>
      t.call<{ shots: number[] }>("review_regenerate", { series, episode, scenes, reason }),
    secrets: () => t.call<SecretStatus[]>("secrets_status"),
    setSecret: (provider: string, value: string) => t.call<SecretStatus>("secret_set", { provider, value }),
    settings: () => t.call<Record<string, unknown>>("settings_get"),
    channels: () => t.call<{ id: string; name: string; state: string }[]>("channels_list"),
  };
}

export type Api = ReturnType<typeof api>;

/** The engine's events over the WebSocket of `aidas serve` (reconnecting); returns a function that stops it. */
export function subscribeEvents(origin: string, onEvent: (e: EngineEvent) => void): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  const open = () => {
    ws = new WebSocket(origin.replace(/^http/, "ws") + "/api/events");
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as EngineEvent);
      } catch {
        /* not an event */
      }
    };
    ws.onclose = () => {
      if (!stopped) setTimeout(open, 1000);
    };
  };
  open();
  return () => {
    stopped = true;
    ws?.close();
  };
}
