// Typed calls to the engine's commands (the table in crates/studio-server/src/api.rs) and its event stream. The
// types are generated from the Rust types by ts-rs (`cargo test` writes ui/src/bindings; CI fails on drift).

import type { ApproveReport } from "./bindings/ApproveReport";
import type { Audition } from "./bindings/Audition";
import type { CastView } from "./bindings/CastView";
import type { CheckReport } from "./bindings/CheckReport";
import type { OutlineEdit } from "./bindings/OutlineEdit";
import type { ScriptResult } from "./bindings/ScriptResult";
import type { ChannelRow } from "./bindings/ChannelRow";
import type { EngineEvent } from "./bindings/EngineEvent";
import type { EpisodeScript } from "./bindings/EpisodeScript";
import type { MetadataEdit } from "./bindings/MetadataEdit";
import type { MetadataView } from "./bindings/MetadataView";
import type { NewSeriesReport } from "./bindings/NewSeriesReport";
import type { ProduceReport } from "./bindings/ProduceReport";
import type { RegenerateReport } from "./bindings/RegenerateReport";
import type { ReviewItem } from "./bindings/ReviewItem";
import type { SecretStatus } from "./bindings/SecretStatus";
import type { SeriesDetail } from "./bindings/SeriesDetail";
import type { SeriesSummary } from "./bindings/SeriesSummary";
import type { StatusReport } from "./bindings/StatusReport";
import type { StoryboardView } from "./bindings/StoryboardView";
import type { NewSeriesForm } from "./logic";
import type { Transport } from "./transport";

export type {
  ApproveReport,
  Audition,
  CastView,
  ChannelRow,
  CheckReport,
  OutlineEdit,
  ScriptResult,
  EngineEvent,
  EpisodeScript,
  MetadataEdit,
  MetadataView,
  NewSeriesReport,
  ProduceReport,
  RegenerateReport,
  ReviewItem,
  SecretStatus,
  SeriesDetail,
  SeriesSummary,
  StatusReport,
  StoryboardView,
};

export function api(t: Transport) {
  return {
    seriesList: () => t.call<SeriesSummary[]>("series_list"),
    seriesShow: (series: string) => t.call<SeriesDetail>("series_show", { series }),
    seriesNew: (f: NewSeriesForm) => t.call<NewSeriesReport>("series_new", { ...f, theme: "" }),
    castView: (series: string) => t.call<CastView>("cast_view", { series }),
    castLock: (series: string, locked: boolean) => t.call<CastView>("cast_lock", { series, locked }),
    audition: (series: string, character: string) => t.call<Audition>("cast_audition", { series, character }),
    writeEpisode: (series: string, episode: number) => t.call<ScriptResult>("write_episode", { series, episode }),
    rewriteEpisode: (series: string, episode: number) => t.call<ScriptResult>("episode_rewrite", { series, episode }),
    checkEpisode: (series: string, episode: number) => t.call<CheckReport>("episode_check", { series, episode }),
    setOutline: (series: string, episode: number, edit: OutlineEdit) =>
      t.call<SeriesDetail>("outline_set", { series, episode, edit }),
    episodeScript: (series: string, episode: number) => t.call<EpisodeScript | null>("episode_script", { series, episode }),
    storyboard: (series: string, episode: number) => t.call<StoryboardView>("storyboard", { series, episode }),
    setPriority: (series: string, episode: number, shot: number, priority: "high" | "low") =>
      t.call<StoryboardView>("set_shot_priority", { series, episode, shot, priority }),
    produce: (series: string, episode: number) => t.call<ProduceReport>("produce", { series, episode }),
    status: () => t.call<StatusReport>("status"),
    pause: (series: string, paused: boolean) => t.call<boolean>("series_pause", { series, paused }),
    reviewList: () => t.call<ReviewItem[]>("review_list"),
    approve: (series: string, episode: number, reason: string, publishAt?: string) =>
      t.call<ApproveReport>("review_approve", { series, episode, reason, publish_at: publishAt ?? null }),
    metadata: (series: string, episode: number) => t.call<MetadataView>("metadata_get", { series, episode }),
    setMetadata: (series: string, episode: number, edit: MetadataEdit) =>
      t.call<MetadataView>("metadata_set", { series, episode, edit }),
    setSettings: (changes: Record<string, unknown>) =>
      t.call<{ changed: string[]; restart_needed: boolean }>("settings_set", { changes }),
    importSettings: (fileName: string, content: string) =>
      t.call<unknown>("settings_import", { file_name: fileName, content }),
    reject: (series: string, episode: number, reason: string) => t.call<string>("review_reject", { series, episode, reason }),
    regenerate: (series: string, episode: number, scenes: number[], reason: string) =>
      t.call<RegenerateReport>("review_regenerate", { series, episode, scenes, reason }),
    secrets: () => t.call<SecretStatus[]>("secrets_status"),
    setSecret: (provider: string, value: string) => t.call<SecretStatus>("secret_set", { provider, value }),
    settings: () => t.call<Record<string, unknown>>("settings_get"),
    channels: () => t.call<ChannelRow[]>("channels_list"),
    connectChannel: () => t.call<{ url: string }>("channel_connect"),
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
