// Generated from the command table in crates/studio-core/src/api by `cargo test -p studio-core`; do not edit.
// CI fails when this file differs from the table.

import type { Transport } from "../transport";
import type { AccountRestoreArgs } from "./AccountRestoreArgs";
import type { AccountView } from "./AccountView";
import type { AlertDelivery } from "./AlertDelivery";
import type { ApproveReport } from "./ApproveReport";
import type { Audition } from "./Audition";
import type { CancelReport } from "./CancelReport";
import type { CastAuditionArgs } from "./CastAuditionArgs";
import type { CastLockArgs } from "./CastLockArgs";
import type { CastView } from "./CastView";
import type { ChannelConnect } from "./ChannelConnect";
import type { ChannelRow } from "./ChannelRow";
import type { Character } from "./Character";
import type { CharacterAliases } from "./CharacterAliases";
import type { CharacterAliasesArgs } from "./CharacterAliasesArgs";
import type { CharacterArgs } from "./CharacterArgs";
import type { CharacterEditArgs } from "./CharacterEditArgs";
import type { CheckReport } from "./CheckReport";
import type { CollectReport } from "./CollectReport";
import type { DoctorReport } from "./DoctorReport";
import type { EpisodeArgs } from "./EpisodeArgs";
import type { EpisodeScript } from "./EpisodeScript";
import type { EpisodeStatus } from "./EpisodeStatus";
import type { FeedbackView } from "./FeedbackView";
import type { ImportReport } from "./ImportReport";
import type { JobArgs } from "./JobArgs";
import type { JobLogLine } from "./JobLogLine";
import type { JobRow } from "./JobRow";
import type { JobsListArgs } from "./JobsListArgs";
import type { KeyTestReport } from "./KeyTestReport";
import type { LineEditArgs } from "./LineEditArgs";
import type { LineEditReport } from "./LineEditReport";
import type { MetadataSetArgs } from "./MetadataSetArgs";
import type { MetadataView } from "./MetadataView";
import type { NewSeries } from "./NewSeries";
import type { NewSeriesReport } from "./NewSeriesReport";
import type { OutlineChangeView } from "./OutlineChangeView";
import type { OutlineDecisionArgs } from "./OutlineDecisionArgs";
import type { OutlineSetArgs } from "./OutlineSetArgs";
import type { PauseState } from "./PauseState";
import type { ProduceReport } from "./ProduceReport";
import type { PublishArgs } from "./PublishArgs";
import type { PublishChannelArgs } from "./PublishChannelArgs";
import type { PublishReport } from "./PublishReport";
import type { RecentArgs } from "./RecentArgs";
import type { ReferenceCandidatesArgs } from "./ReferenceCandidatesArgs";
import type { ReferenceChooseArgs } from "./ReferenceChooseArgs";
import type { ReferenceUploadArgs } from "./ReferenceUploadArgs";
import type { ReferenceUseArgs } from "./ReferenceUseArgs";
import type { ReferencesView } from "./ReferencesView";
import type { RegenerateReport } from "./RegenerateReport";
import type { ReviewApproveArgs } from "./ReviewApproveArgs";
import type { ReviewItem } from "./ReviewItem";
import type { ReviewRegenerateArgs } from "./ReviewRegenerateArgs";
import type { ReviewRejectArgs } from "./ReviewRejectArgs";
import type { ReviewTimeline } from "./ReviewTimeline";
import type { ScriptResult } from "./ScriptResult";
import type { SecretSetArgs } from "./SecretSetArgs";
import type { SecretStatus } from "./SecretStatus";
import type { SecretTestArgs } from "./SecretTestArgs";
import type { SeriesArgs } from "./SeriesArgs";
import type { SeriesDashboard } from "./SeriesDashboard";
import type { SeriesDetail } from "./SeriesDetail";
import type { SeriesPauseArgs } from "./SeriesPauseArgs";
import type { SeriesSummary } from "./SeriesSummary";
import type { SettingsChange } from "./SettingsChange";
import type { SettingsImportArgs } from "./SettingsImportArgs";
import type { SettingsSetArgs } from "./SettingsSetArgs";
import type { SettingsView } from "./SettingsView";
import type { ShotChangeView } from "./ShotChangeView";
import type { ShotEditArgs } from "./ShotEditArgs";
import type { ShotPriorityArgs } from "./ShotPriorityArgs";
import type { ShotRedoArgs } from "./ShotRedoArgs";
import type { ShotReplaceArgs } from "./ShotReplaceArgs";
import type { StatusReport } from "./StatusReport";
import type { StoryboardView } from "./StoryboardView";
import type { VoiceChoice } from "./VoiceChoice";
import type { VoiceSetArgs } from "./VoiceSetArgs";

/** Every command's name. */
export const COMMANDS = [
  "series_list",
  "series_dashboard",
  "series_show",
  "series_new",
  "series_pause",
  "outline_set",
  "character_references",
  "character_reference_upload",
  "character_reference_candidates",
  "character_reference_choose",
  "character_reference_use",
  "cast_view",
  "cast_lock",
  "cast_audition",
  "character_edit",
  "voice_choices",
  "cast_voice_set",
  "episode_script",
  "write_episode",
  "episode_check",
  "episode_rewrite",
  "metadata_get",
  "metadata_set",
  "line_edit",
  "storyboard",
  "set_shot_priority",
  "shot_edit",
  "shot_redo",
  "shot_replace",
  "produce",
  "status",
  "jobs_list",
  "job_retry",
  "jobs_cancel",
  "jobs_recent",
  "job_log",
  "review_list",
  "review_approve",
  "review_reject",
  "review_regenerate",
  "review_timeline",
  "publish",
  "channels_list",
  "channel_connect",
  "publish_channel_set",
  "feedback_show",
  "feedback_collect",
  "feedback_propose",
  "character_aliases_set",
  "outline_change_decide",
  "secrets_status",
  "secret_set",
  "secret_test",
  "accounts_list",
  "account_restore",
  "alerts_test",
  "system_doctor",
  "settings_get",
  "settings_set",
  "settings_import",
] as const;

export type CommandName = (typeof COMMANDS)[number];

/** The limits every shell checks a new series against (the engine checks them again). */
export const SERIES_LIMITS = {
  max_title_chars: 80,
  max_premise_chars: 2000,
  max_episodes: 200,
  default_episodes: 16,
  max_episode_minutes: 30,
  default_episode_minutes: 10,
} as const;

/** Typed calls to the engine over a transport (Tauri IPC or HTTP). */
export function client(t: Transport) {
  return {
    /** The series in the studio. */
    series_list: (): Promise<Array<SeriesSummary>> => t.call<Array<SeriesSummary>>("series_list"),
    /** A series' home: every episode's state, progress, publish time, video or folder, cost and next step; the spending per day. */
    series_dashboard: (args: SeriesArgs): Promise<SeriesDashboard> => t.call<SeriesDashboard>("series_dashboard", args),
    /** A series' plan, characters, outlines, episode states and what blocks production. */
    series_show: (args: SeriesArgs): Promise<SeriesDetail> => t.call<SeriesDetail>("series_show", args),
    /** Plans a new series with a writer (offline when no key is set) and stores it as a draft. */
    series_new: (args: NewSeries): Promise<NewSeriesReport> => t.call<NewSeriesReport>("series_new", args),
    /** Pauses a series (no new jobs start; running ones finish) or lets it run again. */
    series_pause: (args: SeriesPauseArgs): Promise<PauseState> => t.call<PauseState>("series_pause", args),
    /** Changes an episode's outline before it is written; returns the series as it is now. */
    outline_set: (args: OutlineSetArgs): Promise<SeriesDetail> => t.call<SeriesDetail>("outline_set", args),
    /** The characters' reference images: in use, earlier versions, candidates waiting. */
    character_references: (args: SeriesArgs): Promise<ReferencesView> => t.call<ReferencesView>("character_references", args),
    /** Uses the creator's own images as a character's reference (a new version). */
    character_reference_upload: (args: ReferenceUploadArgs): Promise<ReferencesView> => t.call<ReferencesView>("character_reference_upload", args),
    /** Makes four candidate references for a character (or one of their outfits) to choose from. */
    character_reference_candidates: (args: ReferenceCandidatesArgs): Promise<ReferencesView> => t.call<ReferencesView>("character_reference_candidates", args),
    /** Uses one of the candidates as the character's reference (a new version). */
    character_reference_choose: (args: ReferenceChooseArgs): Promise<ReferencesView> => t.call<ReferencesView>("character_reference_choose", args),
    /** Uses an earlier version of a character's reference again. */
    character_reference_use: (args: ReferenceUseArgs): Promise<ReferencesView> => t.call<ReferencesView>("character_reference_use", args),
    /** The cast: characters, their voices and whether the cast is locked. */
    cast_view: (args: SeriesArgs): Promise<CastView> => t.call<CastView>("cast_view", args),
    /** Locks the cast (assigning voices to anyone without one) or unlocks it. */
    cast_lock: (args: CastLockArgs): Promise<CastView> => t.call<CastView>("cast_lock", args),
    /** Speaks a sample with a character's voice (never billed for text with nothing to say). */
    cast_audition: (args: CastAuditionArgs): Promise<Audition> => t.call<Audition>("cast_audition", args),
    /** Edits a character's profile (name, role, occupation, personality, appearance, voice profile). */
    character_edit: (args: CharacterEditArgs): Promise<Character> => t.call<Character>("character_edit", args),
    /** The voices a character can be given, best fit first. */
    voice_choices: (args: CharacterArgs): Promise<Array<VoiceChoice>> => t.call<Array<VoiceChoice>>("voice_choices", args),
    /** Gives a character the picked voice (the cast must be unlocked). */
    cast_voice_set: (args: VoiceSetArgs): Promise<CastView> => t.call<CastView>("cast_voice_set", args),
    /** The stored script of an episode, or nothing when it is not written yet. */
    episode_script: (args: EpisodeArgs): Promise<EpisodeScript | null> => t.call<EpisodeScript | null>("episode_script", args),
    /** Writes, checks and (when it passes) records an episode's script. */
    write_episode: (args: EpisodeArgs): Promise<ScriptResult> => t.call<ScriptResult>("write_episode", args),
    /** Runs the script checks on the stored script again. */
    episode_check: (args: EpisodeArgs): Promise<CheckReport> => t.call<CheckReport>("episode_check", args),
    /** Writes the episode again from its outline, replacing the stored script. */
    episode_rewrite: (args: EpisodeArgs): Promise<ScriptResult> => t.call<ScriptResult>("episode_rewrite", args),
    /** The episode's upload metadata as it will be published. */
    metadata_get: (args: EpisodeArgs): Promise<MetadataView> => t.call<MetadataView>("metadata_get", args),
    /** Changes the episode's upload metadata. */
    metadata_set: (args: MetadataSetArgs): Promise<MetadataView> => t.call<MetadataView>("metadata_set", args),
    /** Edits one script line (speaker, words, emotion), checks the script again and voices the line again when it was voiced (the earlier take kept). */
    line_edit: (args: LineEditArgs): Promise<LineEditReport> => t.call<LineEditReport>("line_edit", args),
    /** The storyboard with each shot's route, length, estimate and the reason for its route. */
    storyboard: (args: EpisodeArgs): Promise<StoryboardView> => t.call<StoryboardView>("storyboard", args),
    /** Sets one shot's priority and returns the storyboard estimated again. */
    set_shot_priority: (args: ShotPriorityArgs): Promise<StoryboardView> => t.call<StoryboardView>("set_shot_priority", args),
    /** Edits a shot's Korean description, English prompt or priority; a shot already made whose picture changed is made again (its earlier take kept). */
    shot_edit: (args: ShotEditArgs): Promise<ShotChangeView> => t.call<ShotChangeView>("shot_edit", args),
    /** Makes one shot again as a new take (the earlier take kept); the reply says what it is expected to cost. */
    shot_redo: (args: ShotRedoArgs): Promise<ShotChangeView> => t.call<ShotChangeView>("shot_redo", args),
    /** Replaces a shot with the creator's own image (a still with Ken Burns motion) or clip. */
    shot_replace: (args: ShotReplaceArgs): Promise<ShotChangeView> => t.call<ShotChangeView>("shot_replace", args),
    /** Queues every stage of an episode (idempotent: stages already done are kept). */
    produce: (args: EpisodeArgs): Promise<ProduceReport> => t.call<ProduceReport>("produce", args),
    /** The queue, each episode's stage progress, today's costs and what needs attention. */
    status: (): Promise<StatusReport> => t.call<StatusReport>("status"),
    /** The jobs, newest first, of one series (by id or title) or all. */
    jobs_list: (args: JobsListArgs): Promise<Array<JobRow>> => t.call<Array<JobRow>>("jobs_list", args),
    /** Queues a parked, cancelled or waiting job again. */
    job_retry: (args: JobArgs): Promise<JobRow> => t.call<JobRow>("job_retry", args),
    /** Cancels an episode's jobs (running ones stop at their next checkpoint; finished work is kept). */
    jobs_cancel: (args: EpisodeArgs): Promise<CancelReport> => t.call<CancelReport>("jobs_cancel", args),
    /** The jobs that finished last, newest first (the stage history a reloaded screen shows). */
    jobs_recent: (args: RecentArgs): Promise<Array<JobRow>> => t.call<Array<JobRow>>("jobs_recent", args),
    /** A job's log, oldest line first. */
    job_log: (args: JobArgs): Promise<Array<JobLogLine>> => t.call<Array<JobLogLine>>("job_log", args),
    /** Episodes waiting for a person's decision, with their video and what the checks flagged. */
    review_list: (): Promise<Array<ReviewItem>> => t.call<Array<ReviewItem>>("review_list"),
    /** Approves an episode: it is published at the given time or the next free slot. */
    review_approve: (args: ReviewApproveArgs): Promise<ApproveReport> => t.call<ApproveReport>("review_approve", args),
    /** Rejects an episode, saying why; it stays out of publishing until scenes are regenerated or it is approved. */
    review_reject: (args: ReviewRejectArgs): Promise<EpisodeStatus> => t.call<EpisodeStatus>("review_reject", args),
    /** Makes the given scenes again (script lines, voices, visuals) and renders the episode again. */
    review_regenerate: (args: ReviewRegenerateArgs): Promise<RegenerateReport> => t.call<RegenerateReport>("review_regenerate", args),
    /** Where scenes, shots and lines fall in the episode's video: markers, click-to-redo and the script beside the player. */
    review_timeline: (args: EpisodeArgs): Promise<ReviewTimeline> => t.call<ReviewTimeline>("review_timeline", args),
    /** Publishes an approved episode now: the export folder, then YouTube when a channel is given or set. */
    publish: (args: PublishArgs): Promise<PublishReport> => t.call<PublishReport>("publish", args),
    /** The connected YouTube channels with their state and today's quota. */
    channels_list: (): Promise<Array<ChannelRow>> => t.call<Array<ChannelRow>>("channels_list"),
    /** Starts the Google sign-in that connects a channel; open the returned page. */
    channel_connect: (): Promise<ChannelConnect> => t.call<ChannelConnect>("channel_connect"),
    /** Publishes a series to a connected channel (or the export folder only); returns the channels. */
    publish_channel_set: (args: PublishChannelArgs): Promise<Array<ChannelRow>> => t.call<Array<ChannelRow>>("publish_channel_set", args),
    /** A series' feedback: views, watch time and subscribers per episode, the channel over time, sentiment, character mentions, retention by scene, themes of the comments and the outline changes. */
    feedback_show: (args: SeriesArgs): Promise<FeedbackView> => t.call<FeedbackView>("feedback_show", args),
    /** Collects what viewers did with the published episodes, then reads the comments (the day's feedback units permitting; the rest is read after the reset). */
    feedback_collect: (args: SeriesArgs): Promise<CollectReport> => t.call<CollectReport>("feedback_collect", args),
    /** Proposes outline changes for the episodes still only planned, from the latest feedback. */
    feedback_propose: (args: SeriesArgs): Promise<Array<OutlineChangeView>> => t.call<Array<OutlineChangeView>>("feedback_propose", args),
    /** Sets the nicknames viewers use for one character (the next reading counts them); returns every character's. */
    character_aliases_set: (args: CharacterAliasesArgs): Promise<Array<CharacterAliases>> => t.call<Array<CharacterAliases>>("character_aliases_set", args),
    /** Accepts, rejects or rolls back one outline change; returns it as it is now. */
    outline_change_decide: (args: OutlineDecisionArgs): Promise<OutlineChangeView> => t.call<OutlineChangeView>("outline_change_decide", args),
    /** Which API keys are set (never their values) and where they come from. */
    secrets_status: (): Promise<Array<SecretStatus>> => t.call<Array<SecretStatus>>("secrets_status"),
    /** Stores an API key in the OS keyring. */
    secret_set: (args: SecretSetArgs): Promise<SecretStatus> => t.call<SecretStatus>("secret_set", args),
    /** Tests a provider's key with one cheap, unbilled request ("test connection"). */
    secret_test: (args: SecretTestArgs): Promise<KeyTestReport> => t.call<KeyTestReport>("secret_test", args),
    /** Every key of the providers that take several (fal, HeyGen): stored or not, set aside (why), in use, spent. */
    accounts_list: (): Promise<Array<AccountView>> => t.call<Array<AccountView>>("accounts_list"),
    /** Puts a set-aside key back in use (after topping up its account). */
    account_restore: (args: AccountRestoreArgs): Promise<Array<AccountView>> => t.call<Array<AccountView>>("account_restore", args),
    /** Sends a test alert to every alert channel that is set up and answers what became of it on each. */
    alerts_test: (): Promise<Array<AlertDelivery>> => t.call<Array<AlertDelivery>>("alerts_test"),
    /** What this machine can and cannot do for the studio, and what to do about it. */
    system_doctor: (): Promise<DoctorReport> => t.call<DoctorReport>("system_doctor"),
    /** The saved settings the settings screen edits. */
    settings_get: (): Promise<SettingsView> => t.call<SettingsView>("settings_get"),
    /** Writes changes to config.toml; they apply when the studio starts again. */
    settings_set: (args: SettingsSetArgs): Promise<SettingsChange> => t.call<SettingsChange>("settings_set", args),
    /** Imports the seeds' settings.json or a series plan handed in as text. */
    settings_import: (args: SettingsImportArgs): Promise<ImportReport> => t.call<ImportReport>("settings_import", args),
  };
}

export type Client = ReturnType<typeof client>;
