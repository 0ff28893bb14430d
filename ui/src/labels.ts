// The engine's names (stages, statuses, phases, routes, providers) as the creator reads them: each enum value maps
// to a message key, so a new value in Rust fails the type check here instead of showing its raw name on screen.

import type { AlertAbout } from "./bindings/AlertAbout";
import type { ArcPhase } from "./bindings/ArcPhase";
import type { EpisodeStatus } from "./bindings/EpisodeStatus";
import type { FindingKind } from "./bindings/FindingKind";
import type { Severity } from "./bindings/Severity";
import type { JobEnd } from "./bindings/JobEnd";
import type { RouteWhy } from "./bindings/RouteWhy";
import type { StillWhy } from "./bindings/StillWhy";
import type { ReferenceRoute } from "./bindings/ReferenceRoute";
import type { IdentityView } from "./bindings/IdentityView";
import type { SpendLimit } from "./bindings/SpendLimit";
import type { JobStatus } from "./bindings/JobStatus";
import type { Stage } from "./bindings/Stage";
import type { Key, Lang } from "./i18n";

type T = (k: Key) => string;

const STAGE: Record<Stage, Key> = {
  script: "stage.script",
  memory_update: "stage.memory_update",
  storyboard: "stage.storyboard",
  voices: "stage.voices",
  visuals: "stage.visuals",
  avatars: "stage.avatars",
  render: "stage.render",
  package: "stage.package",
  review_gate: "stage.review_gate",
  publish: "stage.publish",
  finalize: "stage.finalize",
};

const JOB: Record<JobStatus | JobEnd, Key> = {
  queued: "job.queued",
  running: "job.running",
  succeeded: "job.succeeded",
  retry_waiting: "job.retry_waiting",
  needs_attention: "job.needs_attention",
  cancelled: "job.cancelled",
  lost: "job.lost",
};

const EPISODE: Record<EpisodeStatus, Key> = {
  planned: "episode.planned",
  scripted: "episode.scripted",
  in_production: "episode.in_production",
  rendered: "episode.rendered",
  in_review: "episode.in_review",
  approved: "episode.approved",
  rejected: "episode.rejected",
  scheduled: "episode.scheduled",
  published: "episode.published",
  needs_attention: "episode.needs_attention",
};

const PHASE: Record<ArcPhase, Key> = {
  exposition: "phase.exposition",
  rising_action: "phase.rising_action",
  climax: "phase.climax",
  resolution: "phase.resolution",
};

const PROVIDERS = [
  "elevenlabs",
  "google",
  "google_tts",
  "azure",
  "azure_tts",
  "espeak",
  "openai",
  "anthropic",
  "fal",
  "hf",
  "heygen",
  "youtube",
  "offline",
  "webhook",
  "slack",
  "discord",
  "telegram",
  "smtp",
] as const;

export const stageLabel = (t: T, s: Stage) => t(STAGE[s]);
export const jobLabel = (t: T, s: JobStatus | JobEnd) => t(JOB[s]);
export const episodeLabel = (t: T, s: EpisodeStatus | null | undefined) => (s ? t(EPISODE[s]) : t("episode.unknown"));
export const phaseLabel = (t: T, p: ArcPhase) => t(PHASE[p]);

/** A provider by its product name; an id this version does not know is shown as it is (it is a product name). */
export function providerLabel(t: T, id: string): string {
  return (PROVIDERS as readonly string[]).includes(id) ? t(`provider.${id}` as Key) : id;
}

/** A review decision as a word (`approve` → 승인). */
export function decisionLabel(t: T, d: string): string {
  return d === "approve" || d === "reject" || d === "regenerate" ? t(`decision.${d}` as Key) : d;
}

/** A time (RFC 3339 or Unix ms) in the creator's time zone and language, e.g. "12월 1일 (화) 오후 7:00". */
export function formatTime(at: string | number, lang: Lang, timeZone?: string): string {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return "—";
  const format = (zone: string | undefined) => new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", {
    month: "short",
    day: "numeric",
    weekday: "short",
    ...(lang === "ko" ? { hour: "numeric" } : { hour: "2-digit", hourCycle: "h23" }),
    minute: "2-digit",
    timeZone: zone,
  }).format(d);
  try {
    return format(timeZone || undefined);
  } catch {
    // A zone this browser does not know: the browser's own, rather than no screen at all.
    return format(undefined);
  }
}

/** Seconds as a short duration for people ("3분 20초", "3 min 20 s"). */
export function formatDuration(t: T, seconds: number, lang: Lang = "ko"): string {
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  const r = s % 60;
  const sep = lang === "ko" ? "" : " ";
  return m > 0 ? `${m}${sep}${t("time.minutes")} ${r}${sep}${t("time.seconds")}` : `${r}${sep}${t("time.seconds")}`;
}

const FINDING: Record<FindingKind, Key> = {
  wrong_episode: "finding.wrong_episode",
  empty_field: "finding.empty_field",
  duplicate_line_id: "finding.duplicate_line_id",
  duplicate_scene: "finding.duplicate_scene",
  dialogue_count: "finding.dialogue_count",
  scene_without_shots: "finding.scene_without_shots",
  shot_for_unknown_scene: "finding.shot_for_unknown_scene",
  outfit_change: "finding.outfit_change",
  video_prompt: "finding.video_prompt",
  shot_duration: "finding.shot_duration",
  nothing_to_speak: "finding.nothing_to_speak",
  unknown_speaker: "finding.unknown_speaker",
  unknown_character: "finding.unknown_character",
  absent_speaker: "finding.absent_speaker",
  dead_speaker: "finding.dead_speaker",
  dead_character_development: "finding.dead_character_development",
  intimacy_jump: "finding.intimacy_jump",
  thread_reopened: "finding.thread_reopened",
  unknown_thread: "finding.unknown_thread",
  secret_before_reveal: "finding.secret_before_reveal",
  main_character_missing: "finding.main_character_missing",
  speaker_not_in_scene: "finding.speaker_not_in_scene",
  llm_continuity: "finding.llm_continuity",
  unnatural_dialogue: "finding.unnatural_dialogue",
  pacing: "finding.pacing",
  coverage: "finding.coverage",
  repetition: "finding.repetition",
  self_third_person: "finding.self_third_person",
  narration_in_dialogue: "finding.narration_in_dialogue",
};

export const findingLabel = (t: T, k: FindingKind) => t(FINDING[k]);
export const severityLabel = (t: T, s: Severity) => t(s === "error" ? "severity.error" : "severity.warning");

/** Why a shot got its route, and why its still is paid or offline, in the creator's words. */
export function routeWhyLabel(t: T, why: RouteWhy | null, still: StillWhy | null): string {
  // Shot records from before routes carried their reason: the route alone is shown.
  if (!why) return still ? routeWhyLabel(t, { kind: "low_priority" }, still).split(" → ")[1] : "—";
  const limit = (l: SpendLimit) => t(`limit.${l}`);
  const head =
    why.kind === "video_over_limit" ? t("why.video_over_limit").replace("{limit}", limit(why.limit)) : t(`why.${why.kind}`);
  if (!still) return head;
  const tail = still.kind === "over_limit" ? t("still.over_limit").replace("{limit}", limit(still.limit)) : t(`still.${still.kind}`);
  return `${head} → ${tail}`;
}

/** Whether a shot's pictures come from its characters' reference images, in the creator's words ("" without characters). */
export function referenceLabel(t: T, r: ReferenceRoute | null): string {
  if (!r) return "";
  switch (r.kind) {
    case "still":
      return t("refs.still").replace("{n}", String(r.characters));
    case "video":
      return t("refs.video").replace("{n}", String(r.characters));
    case "text_only":
      return r.why.kind === "over_limit"
        ? t("refs.text_only.over_limit").replace("{limit}", t(`limit.${r.why.limit}`))
        : t(`refs.text_only.${r.why.kind}`);
  }
}

/** How a made shot's outfits compared with its characters' references ("" when it was not checked). */
export function outfitLabel(t: T, id: IdentityView | null): string {
  if (!id || id.outfit === null) return "";
  const pct = (x: number | null) => String(Math.round((x ?? 0) * 100));
  return t("refs.outfit")
    .replace("{score}", pct(id.outfit))
    .replace("{threshold}", pct(id.threshold))
    .replace("{name}", id.weakest ?? "");
}

/** An alert in the creator's words: what it is about, with the series by title. `{n}`-style slots are filled here. */
export function alertLabel(t: T, about: AlertAbout, seriesTitle: (id: string) => string): string {
  const fill = (k: Key, v: Record<string, string | number>) => t(k).replace(/\{(\w+)\}/g, (m, name: string) => (name in v ? String(v[name]) : m));
  const ep = (series_id: string, episode: number) => episodeName(t, seriesTitle(series_id), episode);
  switch (about.kind) {
    case "ready_for_review":
      return fill("alert.ready_for_review", { what: ep(about.series_id, about.episode) });
    case "needs_attention":
      return fill("alert.needs_attention", { what: ep(about.series_id, about.episode), stage: stageLabel(t, about.stage) });
    case "lines_not_voiced":
      return fill("alert.lines_not_voiced", { what: ep(about.series_id, about.episode), lines: about.lines });
    case "script_needs_review":
      return fill("alert.script_needs_review", { what: ep(about.series_id, about.episode) });
    case "channel_connected":
      return fill("alert.channel_connected", { name: about.name });
    case "channel_not_connected":
      return t("alert.channel_not_connected");
    case "reconnect_channel":
      return t("alert.reconnect_channel");
    case "forced_private":
      return fill("alert.forced_private", { what: ep(about.series_id, about.episode) });
    case "error_rate":
      return fill("alert.error_rate", { failed: about.failed, finished: about.finished });
    case "spend":
      return fill("alert.spend", {
        spent: `$${about.spent_usd.toFixed(2)}`,
        limit: `$${about.limit_usd.toFixed(2)}`,
        pct: Math.round((100 * about.spent_usd) / Math.max(about.limit_usd, 0.01)),
      });
    case "episode_spend":
      return fill("alert.episode_spend", {
        what: ep(about.series_id, about.episode),
        spent: `$${about.spent_usd.toFixed(2)}`,
        limit: `$${about.limit_usd.toFixed(2)}`,
        pct: Math.round((100 * about.spent_usd) / Math.max(about.limit_usd, 0.01)),
      });
    case "youtube_quota":
      return t("alert.youtube_quota");
    case "disk":
      return fill("alert.disk", { pct: Math.round(about.used * 100) });
  }
}

/** A calendar day (`YYYY-MM-DD`, as the ledger groups spending) for people: "12월 1일 (화)", "Tue 1 Dec". */
export function formatDay(day: string, lang: Lang): string {
  const d = new Date(`${day}T12:00:00Z`);
  if (Number.isNaN(d.getTime())) return "—";
  return new Intl.DateTimeFormat(lang === "ko" ? "ko-KR" : "en-GB", { month: "short", day: "numeric", weekday: "short", timeZone: "UTC" }).format(d);
}

/** A key by the provider and its place in line: "fal (FLUX·Kling) — 2번째 키"; `fal#2` as a name is never shown. */
export function accountLabel(t: T, provider: string, ordinal: number): string {
  const nth = ordinal >= 1 && ordinal <= 5 ? t(`account.nth.${ordinal}` as Key) : `#${ordinal}`;
  return `${providerLabel(t, provider)} — ${nth}`;
}

/** A key name as the settings form offers it: the provider's first key by its product name, further keys
 * (`fal#2`) by their place in line. */
export function keyNameLabel(t: T, name: string): string {
  const m = /^(.+)#(\d)$/.exec(name);
  return m ? accountLabel(t, m[1], Number(m[2])) : providerLabel(t, name);
}

/** An episode as people name it: "서울의 봄 3화", "Seoul Spring, episode 3". */
export function episodeName(t: T, seriesTitle: string, n: number): string {
  return t("episode.name").replace("{title}", seriesTitle).replace("{n}", String(n));
}

/** The emotions voices know (the engine maps Korean words onto them too). */
export const EMOTIONS = ["neutral", "happy", "sad", "angry", "surprised", "fear"] as const;

/** An emotion as a word in the creator's language; a writer's own word (설렘) is shown as written. */
export function emotionLabel(t: T, e: string): string {
  return (EMOTIONS as readonly string[]).includes(e) ? t(`emotion.${e}` as Key) : e;
}

/** The tones voices are described with (the offline voices' and the providers' labels): a character's voice profile
 * names one, and casting prefers voices that have it. */
export const TONES = ["articulate", "assertive", "authoritative", "blunt", "bright", "calculating", "calm", "caring", "casual", "chatty", "cheerful", "confident", "crisp", "deep", "dry", "energetic", "formal", "gentle", "neutral", "playful", "serious", "shy", "soft", "sophisticated", "thoughtful", "warm", "youthful"] as const;

/** A tone as a word in the creator's language; a tone the list does not know is shown as written. */
export function toneLabel(t: T, tone: string): string {
  return (TONES as readonly string[]).includes(tone.toLowerCase()) ? t(`tone.${tone.toLowerCase()}` as Key) : tone;
}

/** Voice profile choices casting matches on. */
export const GENDERS = ["female", "male"] as const;
export const AGE_GROUPS = ["young", "young_adult", "adult", "middle_age", "senior"] as const;

/** A position in a video as people read it on a player: 1:05, 12:30, 1:02:03. */
export function clockTime(sec: number): string {
  const s = Math.max(0, Math.floor(sec));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/** The question asked before a shot is made again: `ask` ("make this shot again?") with what the new take costs. */
export function redoQuestion(t: T, ask: "shot.redo_confirm" | "shot.redo_edit_confirm", usd: number): string {
  const cost = usd > 0 ? `$${usd.toFixed(3)}` : t("shot.free");
  return `${t(ask)} ${t("priority.estimate")}: ${cost}`;
}
