// Pure UI logic (no React, no transport), unit-tested with Vitest: form validation, the cost-versus-budget bar,
// stage progress.

import { SERIES_LIMITS } from "./bindings/client";
import type { Genre } from "./bindings/Genre";
import type { NewSeries } from "./bindings/NewSeries";
import type { Route } from "./bindings/Route";
import type { Stage } from "./bindings/Stage";
import type { StageProgress } from "./bindings/StageProgress";
import type { Key } from "./i18n";
import type { Code } from "./transport";

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

export type FieldErrors = Partial<Record<keyof NewSeriesForm, Key>>;

/** Field → message key (see i18n), empty when the form can be sent. */
export function validateNewSeries(f: NewSeriesForm): FieldErrors {
  const e: FieldErrors = {};
  // Characters as the engine counts them (code points), against the limits the engine checks too.
  const title = [...f.title.trim()].length;
  if (title === 0) e.title = "err.title_required";
  else if (title > SERIES_LIMITS.max_title_chars) e.title = "err.title_long";
  if (!Number.isInteger(f.episodes) || f.episodes < 1 || f.episodes > SERIES_LIMITS.max_episodes) e.episodes = "err.episodes_range";
  if (!Number.isInteger(f.duration_min) || f.duration_min < 1 || f.duration_min > SERIES_LIMITS.max_episode_minutes)
    e.duration_min = "err.duration_range";
  if ([...f.premise].length > SERIES_LIMITS.max_premise_chars) e.premise = "err.premise_long";
  return e;
}

/** The planner form as the `series_new` command takes it. */
export function toNewSeries(f: NewSeriesForm): NewSeries {
  return {
    title: f.title.trim(),
    genre: f.genre,
    episodes: f.episodes,
    episode_duration_min: f.duration_min,
    premise: f.premise,
    main_theme: "",
    target_audience: f.audience,
    writer: f.writer,
  };
}

/** A new planner form with the engine's defaults. */
export function emptyNewSeries(): NewSeriesForm {
  return {
    title: "",
    genre: "romance",
    episodes: SERIES_LIMITS.default_episodes,
    duration_min: SERIES_LIMITS.default_episode_minutes,
    premise: "",
    audience: "",
    writer: "offline",
  };
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
export function stageProgress(stages: StageProgress[]): { done: number; total: number; blocked: Stage | null } {
  let done = 0;
  let blocked: Stage | null = null;
  for (const { stage, status } of stages) {
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

/** YouTube's limits, as the metadata editor counts them (UTF-8 bytes for the description). */
export const LIMITS = { title: 100, descriptionBytes: 5000, tags: 500 } as const;

export function utf8Bytes(s: string): number {
  return new TextEncoder().encode(s).length;
}

/** Tags counted YouTube's way: commas between tags, quotes around a tag with a space. */
export function tagsLength(tags: string[]): number {
  const body = tags.reduce((n, t) => n + [...t].length + (t.includes(" ") ? 2 : 0), 0);
  return body + Math.max(0, tags.length - 1);
}

/** A problem as a message key and the numbers it names (`{n}`, `{max}`). */
export interface Problem {
  key: Key;
  n?: number;
  max?: number;
}

export function metadataProblems(title: string, description: string, tags: string[]): Problem[] {
  const p: Problem[] = [];
  const chars = [...title].length;
  if (title.trim().length === 0) p.push({ key: "meta.title_empty" });
  if (chars > LIMITS.title) p.push({ key: "meta.title_long", n: chars, max: LIMITS.title });
  if (/[<>]/.test(title) || /[<>]/.test(description)) p.push({ key: "meta.angle_brackets" });
  const bytes = utf8Bytes(description);
  if (bytes > LIMITS.descriptionBytes) p.push({ key: "meta.description_long", n: bytes, max: LIMITS.descriptionBytes });
  const t = tagsLength(tags);
  if (t > LIMITS.tags) p.push({ key: "meta.tags_long", n: t, max: LIMITS.tags });
  return p;
}

/** A problem's message with its numbers filled in. */
export function problemText(t: (k: Key) => string, p: Problem): string {
  return t(p.key)
    .replace("{n}", String(p.n ?? ""))
    .replace("{max}", String(p.max ?? ""));
}

/** The offset (ms) of `timeZone` from UTC at the instant `utcMs`, from the zone's own calendar (Intl). */
function zoneOffsetMs(utcMs: number, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  }).formatToParts(new Date(utcMs));
  const n = (type: string) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const asUtc = Date.UTC(n("year"), n("month") - 1, n("day"), n("hour") % 24, n("minute"), n("second"));
  return asUtc - Math.floor(utcMs / 1000) * 1000;
}

/** A `datetime-local` value read as a wall-clock time in `timeZone` (the creator's, an IANA name), as RFC 3339 UTC;
 * null when empty or invalid. Without a zone, the browser's own is used. */
export function zonedToUtc(value: string, timeZone?: string): string | null {
  if (!timeZone) return localToUtc(value);
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const wall = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5]);
  // A date that does not exist (30 February, 25:00) is refused, not rolled over.
  const back = new Date(wall);
  if (back.getUTCMonth() !== +m[2] - 1 || back.getUTCDate() !== +m[3] || back.getUTCHours() !== +m[4]) return null;
  try {
    // The offsets before and after the wall time: equal away from a daylight-saving change. In a repeated hour
    // the earlier instant is taken; in a skipped hour (the clock jumps forward) the time after the jump.
    const before = wall - zoneOffsetMs(wall - 86_400_000, timeZone);
    const after = wall - zoneOffsetMs(wall + 86_400_000, timeZone);
    const fits = (utc: number) => utc + zoneOffsetMs(utc, timeZone) === wall;
    const utc = fits(before) ? before : fits(after) ? after : Math.max(before, after);
    return new Date(utc).toISOString().replace(/\.\d{3}Z$/, "Z");
  } catch {
    return null;
  }
}

/** Seconds left for work that went from `first` to `last` (each [time ms, units done]) out of `total` units, or null
 * while too little has been seen to say. */
export function secondsLeft(first: [number, number], last: [number, number], total: number): number | null {
  const [t0, d0] = first;
  const [t1, d1] = last;
  if (t1 - t0 < 1000 || d1 <= d0) return null;
  const perMs = (d1 - d0) / (t1 - t0);
  return Math.max(0, (total - d1) / perMs / 1000);
}

/** A `datetime-local` value (the person's local time) as RFC 3339 UTC, or null when empty or invalid. */
export function localToUtc(value: string): string | null {
  if (!value) return null;
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, "Z");
}

/** Where the next step is done, by its message key: the screen a button under the error opens (none when the step is
 * to wait or is on this very screen). */
export function nextScreen(step: Key): { screen: string; label: Key } | null {
  switch (step) {
    case "next.key":
    case "next.channel":
      return { screen: "settings", label: "nav.settings" };
    case "next.series":
      return { screen: "planner", label: "nav.planner" };
    case "next.cast":
      return { screen: "casting", label: "nav.casting" };
    case "next.review":
      return { screen: "review", label: "nav.review" };
    case "next.step":
      return { screen: "script", label: "nav.script" };
    case "next.wait":
    case "next.state":
    case "next.machine":
    case "next.credit":
      return { screen: "production", label: "nav.production" };
    default:
      return null;
  }
}

/** The message key of what to do next, by the engine's error code (never by its text). */
export function nextStep(code: Code): Key {
  switch (code) {
    case "transport":
      return "next.transport";
    case "unauthorized":
      return "next.token";
    case "unknown_series":
      return "next.series";
    case "missing_key":
    case "auth":
    case "empty_secret":
    case "unknown_provider":
      return "next.key";
    // Keys cannot be stored here at all: saying "store the key in Settings" would send the creator in a circle.
    case "keyring_unavailable":
    case "keyring_error":
    case "secrets_read_only":
      return "next.keyring";
    case "reconnect_channel":
    case "youtube_unauthorized":
    case "oauth_denied":
    case "oauth_refused":
    case "oauth_state_mismatch":
    case "oauth_timeout":
      return "next.channel";
    case "cast_locked":
      return "next.cast";
    case "work_in_progress":
      return "next.wait";
    case "episode_closed":
      return "next.closed";
    case "step_missing":
      return "next.step";
    case "awaiting_review":
      return "next.review";
    case "youtube_quota":
    case "youtube_upload_limit":
      return "next.quota";
    case "quota_exhausted":
      return "next.credit";
    case "rate_limited":
    case "transient":
    case "provider_busy":
    case "network":
    case "youtube_rate_limited":
    case "youtube_unavailable":
    case "lease_expired":
    case "worker_died":
      return "next.retry";
    case "retries_exhausted":
    case "invalid_transition":
    case "cancelled":
    case "published_later":
    case "duplicate_episode":
    case "episode_gap":
    case "episode_out_of_range":
      return "next.state";
    case "database":
    case "migration":
    case "corrupt_data":
    case "io":
    case "internal":
    case "youtube_protocol":
    case "youtube_session_gone":
    case "youtube_refused":
      return "next.machine";
    default:
      return "next.input";
  }
}

/** The settings the forms edit (config keys; labels and help come from the message catalogue). */
export type SettingKey =
  | "visuals.budget_per_episode_usd"
  | "visuals.hard_cap_usd"
  | "production.daily_cap_usd"
  | "production.episode_cap_usd"
  | "visuals.video_model"
  | "visuals.still_model"
  | "production.episodes_per_day"
  | "production.review"
  | "production.work_window"
  | "production.time_zone"
  | "youtube.publish_times"
  | "youtube.publish_per_day"
  | "youtube.daily_units"
  | "youtube.uploads_per_day"
  | "youtube.client_id"
  | "alerts.webhook_level"
  | "alerts.slack_level"
  | "alerts.discord_level"
  | "alerts.telegram_level"
  | "alerts.telegram_chat_id"
  | "alerts.email_level"
  | "alerts.email_to"
  | "alerts.email_from"
  | "alerts.smtp_host"
  | "alerts.smtp_port"
  | "alerts.smtp_user"
  | "alerts.smtp_security";

/** An e-mail address as far as a form can tell (the engine parses it fully): something@domain.tld, no spaces. */
const EMAIL = /^[^\s@,]+@[^\s@,]+\.[^\s@,]+$/;

/** A wall-clock time as the engine reads it (`clock::parse_clock`): H:MM or HH:MM, 0:00–24:00. */
const HHMM = /^(([01]?\d|2[0-3]):[0-5]\d|24:00)$/;

/** What is wrong with the settings as typed (message keys by field), before the engine sees them — the engine checks
 * the whole file again when saving. Values are the fields' text. */
export function settingProblems(v: Partial<Record<SettingKey, string>>): Partial<Record<SettingKey, Key>> {
  const p: Partial<Record<SettingKey, Key>> = {};
  // An emptied number is refused (it would be saved as 0), not skipped.
  const num = (k: SettingKey) => (v[k] === undefined ? null : v[k]?.trim() === "" ? NaN : Number(v[k]));
  for (const k of [
    "visuals.budget_per_episode_usd",
    "visuals.hard_cap_usd",
    "production.daily_cap_usd",
    "production.episode_cap_usd",
  ] as const) {
    const n = num(k);
    if (n !== null && !(Number.isFinite(n) && n >= 0)) p[k] = "settings.err_money";
  }
  for (const k of ["production.episodes_per_day", "youtube.publish_per_day", "youtube.daily_units", "youtube.uploads_per_day"] as const) {
    const n = num(k);
    if (n !== null && !(Number.isInteger(n) && n >= 0)) p[k] = "settings.err_count";
  }
  const budget = num("visuals.budget_per_episode_usd");
  const cap = num("visuals.hard_cap_usd");
  if (budget !== null && cap !== null && budget > cap && !p["visuals.budget_per_episode_usd"]) p["visuals.budget_per_episode_usd"] = "settings.err_budget_over_cap";
  const w = v["production.work_window"]?.trim();
  if (w) {
    const [a, b, ...rest] = w.split("-").map((s) => s.trim());
    if (rest.length || !HHMM.test(a ?? "") || !HHMM.test(b ?? "")) p["production.work_window"] = "settings.err_window";
  }
  const z = v["production.time_zone"]?.trim();
  if (z) {
    try {
      new Intl.DateTimeFormat("en", { timeZone: z });
    } catch {
      p["production.time_zone"] = "settings.err_zone";
    }
  }
  for (const k of ["alerts.email_to", "alerts.email_from"] as const) {
    const list = v[k];
    if (list !== undefined && !list.split(",").map((a) => a.trim()).filter(Boolean).every((a) => EMAIL.test(a))) p[k] = "settings.err_email";
  }
  const chat = v["alerts.telegram_chat_id"]?.trim();
  if (chat && !/^-?\d+$/.test(chat) && !/^@\w+$/.test(chat)) p["alerts.telegram_chat_id"] = "settings.err_chat";
  const port = num("alerts.smtp_port");
  if (port !== null && !(Number.isInteger(port) && port >= 1 && port <= 65535)) p["alerts.smtp_port"] = "settings.err_port";
  const times = v["youtube.publish_times"];
  if (times !== undefined && times.trim() !== "") {
    if (!times.split(",").every((s) => HHMM.test(s.trim()))) p["youtube.publish_times"] = "settings.err_times";
  }
  return p;
}

/** The largest file a shot can be replaced with (the engine's limit, `MAX_SHOT_FILE`). */
export const MAX_SHOT_FILE = 200 * 1024 * 1024;

/** What a shot can be replaced with (the engine decides by the file's extension). */
export const SHOT_FILE_TYPES = "image/png,image/jpeg,video/mp4,video/quicktime,video/webm,.png,.jpg,.jpeg,.mp4,.mov,.webm,.mkv,.m4v";

/** A file's bytes as base64 (standard alphabet, padded), the way commands carry files. */
export async function fileToBase64(file: Blob): Promise<string> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let bin = "";
  const chunk = 0x8000;
  for (let i = 0; i < bytes.length; i += chunk) bin += String.fromCharCode(...bytes.subarray(i, i + chunk));
  return btoa(bin);
}

/** Traits typed as one line ("차분함, 고집 센") as the list the engine keeps. */
export function splitTraits(text: string): string[] {
  return text
    .split(/[,，、]/)
    .map((x) => x.trim())
    .filter((x) => x !== "");
}

/** True when a line has words a voice can say once directions in brackets are set aside (dots, dashes, emoji and
 * chat jamo like ㅋㅋ are not words) — the engine's rule, checked before sending. */
export function hasWordsToSay(text: string): boolean {
  const spoken = text.replace(/\([^)]*\)|（[^）]*）|\[[^\]]*\]|【[^】]*】|〔[^〕]*〕/g, " ");
  return /[\p{L}\p{N}]/u.test(spoken.replace(/[\u3131-\u318E\u1100-\u11FF]/g, ""));
}

/** The calendar day (`YYYY-MM-DD`) an instant falls on in `timeZone` (the browser's own without one); null when the
 * instant does not parse. */
export function localDay(at: string | number, timeZone?: string): string | null {
  const d = new Date(at);
  if (Number.isNaN(d.getTime())) return null;
  // Assembled from parts: how a locale writes a date differs between engines (WebKit's "en-CA" is not ISO-like).
  const day = (zone: string | undefined) => {
    const parts = new Intl.DateTimeFormat("en-US", { year: "numeric", month: "2-digit", day: "2-digit", timeZone: zone }).formatToParts(d);
    const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
    return `${part("year").padStart(4, "0")}-${part("month")}-${part("day")}`;
  };
  try {
    return day(timeZone || undefined);
  } catch {
    return day(undefined);
  }
}

/** What the upload calendar shows of one episode. */
export type CalendarEntry = { number: number; title: string; kind: "scheduled" | "published" | "exported" | "waiting"; at: string };

/** The upload calendar's entries: an episode with a publish time on that time's day, else an approved episode on
 * the day it was approved. An uploaded episode is scheduled while its time is ahead, then published; an approved one
 * in the export folder is exported (whatever time it was given: it went to the folder, not to a channel); otherwise
 * it is scheduled while its time is ahead, else waiting (on its way, or its time passed before it could go up).
 * Episodes not yet approved are not on it. */
export function calendarEntries(
  cards: { number: number; title: string; status: string; publish_at: string | null; approved_at: string | null; export_dir: string | null }[],
  nowMs: number = Date.now(),
): CalendarEntry[] {
  const out: CalendarEntry[] = [];
  for (const c of cards) {
    if (!["approved", "scheduled", "published"].includes(c.status)) continue;
    const at = c.publish_at ?? c.approved_at;
    if (!at) continue;
    // An upload with a publish time is on YouTube but private until then: scheduled until the time has come.
    const future = c.publish_at !== null && Date.parse(c.publish_at) > nowMs;
    const kind = c.status === "published" ? (future ? "scheduled" : "published") : c.export_dir ? "exported" : future ? "scheduled" : "waiting";
    out.push({ number: c.number, title: c.title, kind, at });
  }
  return out;
}

/** A month (`month` 1–12) as weeks from Monday to Sunday; a day outside the month is null. Each day carries the
 * entries whose instant falls on it in `timeZone`. */
export function calendarMonth<E extends { at: string }>(year: number, month: number, entries: E[], timeZone?: string): ({ day: string; entries: E[] } | null)[][] {
  const first = new Date(Date.UTC(year, month - 1, 1));
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  const lead = (first.getUTCDay() + 6) % 7; // Monday first
  const byDay = new Map<string, E[]>();
  for (const e of entries) {
    const d = localDay(e.at, timeZone);
    if (d) byDay.set(d, [...(byDay.get(d) ?? []), e]);
  }
  const cells: ({ day: string; entries: E[] } | null)[] = Array.from({ length: lead }, () => null);
  for (let n = 1; n <= days; n++) {
    const day = `${year}-${String(month).padStart(2, "0")}-${String(n).padStart(2, "0")}`;
    cells.push({ day, entries: byDay.get(day) ?? [] });
  }
  while (cells.length % 7) cells.push(null);
  const weeks = [];
  for (let i = 0; i < cells.length; i += 7) weeks.push(cells.slice(i, i + 7));
  return weeks;
}

/** The state an episode is shown in: an uploaded episode whose publish time is still ahead is "scheduled" (on YouTube,
 * private until then), whatever the store calls it. */
export function shownStatus<S extends string>(status: S, publishAt: string | null, nowMs: number = Date.now()): S | "scheduled" {
  return status === "published" && publishAt !== null && Date.parse(publishAt) > nowMs ? "scheduled" : status;
}
