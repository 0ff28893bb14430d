//! `aidas`: the headless shell over the AIDAS Studio engine. It parses (clap), calls the Engine (`commands/`, one
//! file per area) and prints (`print.rs`). Every command takes `--json` for machine output; errors go to stderr
//! as one line plus a `next:` line by error code (`hints.rs`), or one JSON object, with a non-zero exit code.

use std::io::{IsTerminal, Read};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde::Serialize;
use studio_core::{CoreError, Engine, EngineOptions, Secret};

mod commands;
mod hints;
mod logfile;
mod print;

#[derive(Parser)]
#[command(
    name = "aidas",
    version,
    about = "AIDAS Studio — from a drama premise to a running YouTube series"
)]
struct Cli {
    /// Where the studio keeps its database, config and media (default: AIDAS_DATA_DIR, else the platform data dir).
    #[arg(long, global = true, value_name = "DIR")]
    data_dir: Option<PathBuf>,
    /// Machine-readable output on stdout (and errors as JSON on stderr).
    #[arg(long, global = true)]
    json: bool,
    /// More log output on stderr (-v info, -vv debug, -vvv trace). AIDAS_LOG overrides.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    verbose: u8,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Create the data directory, configuration and database; print where they are.
    Init,
    /// The main job: an offline episode's worth of studio work on the sample series.
    Demo,
    /// Check this machine: FFmpeg libraries, Korean font, espeak-ng, keyring, disk, database.
    Doctor,
    /// Series plans: import, list, show.
    #[command(subcommand)]
    Series(SeriesCmd),
    /// Story memory: continuity context, recording and rolling back episodes.
    #[command(subcommand)]
    Memory(MemoryCmd),
    /// Episode scripts and voices: write (with checks and regeneration), check, show, voice.
    #[command(subcommand)]
    Episode(EpisodeCmd),
    /// The storyboard of an episode: each shot's duration (from the voices), route, estimate and why.
    Storyboard { series: String, episode: u32 },
    /// What an episode will cost, all of it: voices, visuals, avatars and the upload's quota, per provider, with
    /// what it spent already, against the episode cap and today's cap (and the estimate recorded before spending).
    Estimate { series: String, episode: u32 },
    /// Make every shot's visual: video where the budget allows, else a still animated with Ken Burns.
    Visuals { series: String, episode: u32 },
    /// Lip-synced avatars (HeyGen) for main characters' lines, partial for major supporting ones.
    Avatars { series: String, episode: u32 },
    /// Queue every production stage of episodes (script → … → publish); `--run` also works them off here.
    Produce {
        series: String,
        episodes: Vec<u32>,
        #[arg(long)]
        run: bool,
    },
    /// Run production unattended: workers claim ready jobs (leases, heartbeats, retries) until SIGTERM/Ctrl-C,
    /// which lets the jobs in hand finish. `--until-idle` returns when nothing is left to do.
    Daemon {
        #[arg(long)]
        workers: Option<usize>,
        #[arg(long)]
        until_idle: bool,
        /// Queue the daily plan (`episodes_per_day` across active series) every few minutes, as
        /// `[production] auto_plan = true` does.
        #[arg(long)]
        plan: bool,
    },
    /// The queue, each episode's stage progress, today's costs and what needs attention.
    Status,
    /// The studio in a browser: the web UI, its API (HTTP + WebSocket events) and media with Range support, on
    /// 127.0.0.1 (a token is required on any other address), with production workers running.
    Serve {
        #[arg(long, default_value = "127.0.0.1:8787")]
        addr: std::net::SocketAddr,
        /// Access token (required for non-loopback addresses; also `AIDAS_SERVE_TOKEN`).
        #[arg(long, env = "AIDAS_SERVE_TOKEN")]
        token: Option<String>,
        /// Production workers in this process (0: none, only the API).
        #[arg(long)]
        workers: Option<usize>,
        /// The built UI (default: `ui/dist` beside the assets, or `AIDAS_UI_DIR`).
        #[arg(long, env = "AIDAS_UI_DIR")]
        ui: Option<PathBuf>,
    },
    /// Production jobs: list, retry, cancel, log.
    #[command(subcommand)]
    Jobs(JobsCmd),
    /// Review before upload: list, approve, reject, regenerate scenes.
    #[command(subcommand)]
    Review(ReviewCmd),
    /// YouTube channels: connect, list, use for a series.
    #[command(subcommand)]
    Channel(ChannelCmd),
    /// Viewer feedback: collect comments and numbers from YouTube, show what viewers think, propose outline
    /// changes for the episodes not yet written, accept, reject or roll them back.
    #[command(subcommand)]
    Feedback(FeedbackCmd),
    /// Publish an approved episode now: the export folder, and YouTube when the series has a channel (resumes an
    /// interrupted upload; never uploads twice).
    Publish {
        series: String,
        episode: u32,
        /// Upload to this channel instead of the series' channel.
        #[arg(long)]
        channel: Option<String>,
    },
    /// Subtitles (ASS, SRT, WebVTT) and upload metadata (title, description with chapters, tags) for an episode,
    /// fitted to YouTube's limits.
    Package { series: String, episode: u32 },
    /// Render the episode to MP4 (H.264 High + AAC, YouTube's recommended upload settings): clips fitted to the
    /// voices, transitions, intro/outro, burned-in subtitles, music ducked under speech, −14 LUFS. Ctrl-C cancels.
    Render {
        series: String,
        episode: u32,
        /// 1080p (default from the config) or 720p.
        #[arg(long)]
        resolution: Option<String>,
        /// libx264 preset (ultrafast … veryslow).
        #[arg(long)]
        preset: Option<String>,
        /// Render again even if nothing changed since the last render.
        #[arg(long)]
        force: bool,
    },
    /// The series cast: a locked voice per character with fallbacks. `aidas cast SERIES [--lock|--unlock|--recast]`
    /// or `aidas cast audition SERIES CHARACTER [--text …]`.
    #[command(args_conflicts_with_subcommands = true)]
    Cast {
        #[command(subcommand)]
        action: Option<CastCmd>,
        series: Option<String>,
        #[arg(long, conflicts_with_all = ["unlock", "recast"])]
        lock: bool,
        #[arg(long, conflicts_with = "recast")]
        unlock: bool,
        /// Cast again from the current voice pool (the cast must be unlocked first).
        #[arg(long)]
        recast: bool,
    },
    /// API keys in the OS keyring (values are read from stdin, never from arguments).
    #[command(subcommand)]
    Secrets(SecretsCmd),
    /// Alert channels (webhook, Slack, Discord, Telegram, e-mail): `aidas alerts test` sends a test alert to each
    /// one that is set up. Slack/Discord webhook URLs, the Telegram bot token and the SMTP password are secrets
    /// (`aidas secrets set slack|discord|telegram|smtp`); the rest is `[alerts]` in config.toml.
    #[command(subcommand)]
    Alerts(AlertsCmd),
    /// Direct one shot, line or character: edit, redo a shot as a new take, replace it with your own image or
    /// clip, pick a voice. Earlier takes are kept; only what depends on the edit is made again.
    #[command(subcommand)]
    Direct(DirectCmd),
}

#[derive(Subcommand)]
enum DirectCmd {
    /// Edit a shot's Korean description, English prompt or priority (shots numbered from 1).
    Shot {
        series: String,
        episode: u32,
        shot: u32,
        #[arg(long)]
        visual: Option<String>,
        #[arg(long)]
        prompt: Option<String>,
        /// high (AI video) | low (a still with Ken Burns motion)
        #[arg(long)]
        priority: Option<String>,
    },
    /// Make one shot again as a new take (its cost is printed; the earlier take is kept).
    Redo {
        series: String,
        episode: u32,
        shot: u32,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Replace a shot with your own image (PNG, JPEG) or clip (MP4, MOV, WebM).
    Replace {
        series: String,
        episode: u32,
        shot: u32,
        file: PathBuf,
    },
    /// Edit a script line: speaker, words, emotion (the script is checked again; a voiced line is voiced again).
    Line {
        series: String,
        episode: u32,
        /// The line's id (`aidas episode show` lists them).
        line: String,
        #[arg(long)]
        speaker: Option<String>,
        #[arg(long, allow_hyphen_values = true)]
        text: Option<String>,
        #[arg(long)]
        emotion: Option<String>,
    },
    /// Edit a character's profile.
    Character {
        series: String,
        character: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        role: Option<String>,
        #[arg(long)]
        occupation: Option<String>,
        /// Traits separated by commas.
        #[arg(long)]
        personality: Option<String>,
        /// An English description for image prompts.
        #[arg(long)]
        appearance: Option<String>,
        /// male | female
        #[arg(long)]
        gender: Option<String>,
        /// young | young_adult | adult | middle_age | senior
        #[arg(long)]
        age_group: Option<String>,
        #[arg(long)]
        tone: Option<String>,
    },
    /// The voices a character can be given, best fit first (* marks the current one).
    Voices { series: String, character: String },
    /// Give a character a voice (unlock the cast first: `aidas cast SERIES --unlock`).
    Voice {
        series: String,
        character: String,
        provider: String,
        voice: String,
    },
}

#[derive(Subcommand)]
enum SeriesCmd {
    /// Plan a new series with a writer: arc, 10+ characters, relationships, an outline per episode.
    New {
        #[arg(long)]
        title: String,
        /// romance | thriller | comedy
        #[arg(long, default_value = "romance")]
        genre: String,
        #[arg(long, default_value_t = studio_core::domain::plan::DEFAULT_EPISODES)]
        episodes: u32,
        /// Minutes per episode.
        #[arg(long, default_value_t = studio_core::domain::plan::DEFAULT_EPISODE_MINUTES)]
        duration: u32,
        #[arg(long, default_value = "")]
        premise: String,
        #[arg(long, default_value = "")]
        theme: String,
        #[arg(long, default_value = "")]
        audience: String,
        /// offline | openai | anthropic (default: writer.default in config.toml)
        #[arg(long)]
        writer: Option<String>,
        /// Series id (default: derived from the title).
        #[arg(long)]
        id: Option<String>,
        #[arg(long)]
        seed: Option<u64>,
    },
    /// Import our series JSON (aidas.series/1) or the seeds' settings.json.
    Import {
        file: PathBuf,
    },
    List,
    /// A series' plan, characters, outlines and episode states.
    Show {
        series: String,
    },
    /// Stop starting new jobs for a series (running ones finish).
    Pause {
        series: String,
    },
    /// Let a paused series' jobs run again.
    Resume {
        series: String,
    },
}

#[derive(Subcommand)]
enum JobsCmd {
    /// Every job (or one series' jobs) with its status, attempts and last error.
    List { series: Option<String> },
    /// Queue a parked, cancelled or waiting job again now.
    Retry { id: i64 },
    /// Cancel an episode's unfinished jobs (running ones stop at their next heartbeat).
    Cancel { series: String, episode: u32 },
    /// A job's log.
    Log { id: i64 },
}

#[derive(Subcommand)]
enum ReviewCmd {
    /// Episodes waiting for a decision, with their video, flags and earlier decisions.
    List,
    /// Approve an episode in review: it gets the next publish slot (or `--at`) and production continues.
    Approve {
        series: String,
        episode: u32,
        #[arg(long, default_value = "")]
        reason: String,
        /// Publish time, RFC 3339 UTC (e.g. 2026-12-01T10:00:00Z); default: the next calendar slot.
        #[arg(long)]
        at: Option<String>,
    },
    /// Reject an episode in review, saying why.
    Reject {
        series: String,
        episode: u32,
        #[arg(long)]
        reason: String,
    },
    /// Make chosen scenes again (their voices and visuals only), render again and come back to review.
    Regenerate {
        series: String,
        episode: u32,
        /// Scene numbers, e.g. `--scenes 2,5`.
        #[arg(long, value_delimiter = ',', required = true)]
        scenes: Vec<u32>,
        #[arg(long, default_value = "")]
        reason: String,
    },
}

#[derive(Subcommand)]
enum ChannelCmd {
    /// Sign in to a YouTube channel in the browser (loopback redirect, PKCE); tokens go to the OS keyring.
    Connect {
        /// Seconds to wait for the browser.
        #[arg(long, default_value_t = 300)]
        timeout: u64,
        /// Print the URL only; do not try to open a browser.
        #[arg(long)]
        no_browser: bool,
    },
    /// Connected channels and whether they need reconnecting.
    List,
    /// Publish a series to this channel (or, with --folder-only, to the export folder only).
    Use {
        series: String,
        #[arg(required_unless_present = "folder_only")]
        channel: Option<String>,
        /// Publish to the export folder only, even when a default channel is set.
        #[arg(long, conflicts_with = "channel")]
        folder_only: bool,
    },
}

#[derive(Subcommand)]
enum FeedbackCmd {
    /// Read the comments, the videos' numbers and (when the channel allows it) YouTube Analytics of a series'
    /// published episodes, then analyse them. Uses at most `[feedback] daily_units` YouTube units a day.
    Collect {
        /// The series' id or title.
        series: String,
    },
    /// Views, watch time and subscribers per episode; sentiment, characters, retention by scene and what viewers
    /// love, dislike and ask for.
    Show {
        /// The series' id or title.
        series: String,
        /// Only this episode, in detail.
        #[arg(long)]
        episode: Option<u32>,
    },
    /// Propose changes to the outlines of the episodes not yet written, from the latest feedback.
    Propose {
        /// The series' id or title.
        series: String,
    },
    /// The proposed outline changes, their numbers, and what became of them.
    Proposals {
        /// The series' id or title.
        series: String,
    },
    /// Accept a proposed change: that episode's outline changes (scripts already written stay as they are).
    Accept {
        /// The series' id or title.
        series: String,
        /// The change's number, as `aidas feedback proposals` lists it.
        change: i64,
    },
    /// Reject a proposed change.
    Reject {
        /// The series' id or title.
        series: String,
        /// The change's number, as `aidas feedback proposals` lists it.
        change: i64,
    },
    /// Roll an accepted change back: the outline reads as before.
    Rollback {
        /// The series' id or title.
        series: String,
        /// The change's number, as `aidas feedback proposals` lists it.
        change: i64,
    },
}

#[derive(Subcommand)]
enum MemoryCmd {
    /// The continuity context episode N is written with (the world as of episode N−1).
    Context { series: String, episode: u32 },
    /// Record an episode outcome (JSON file) in story memory.
    Record { series: String, file: PathBuf },
    /// Undo episode N and every later one (refused if any of them is published).
    Rollback { series: String, episode: u32 },
}

#[derive(Subcommand)]
enum EpisodeCmd {
    /// Write episode N with its continuity context, check it, regenerate up to the configured attempts, and
    /// record it in story memory — or park it for review with the report.
    Script {
        series: String,
        episode: u32,
        /// offline | openai | anthropic (default: writer.default in config.toml)
        #[arg(long)]
        writer: Option<String>,
    },
    /// Check the stored script of episode N against story memory and print the report.
    Check { series: String, episode: u32 },
    /// Print the stored script of episode N.
    Show { series: String, episode: u32 },
    /// Voice every line of episode N with the cast (fallbacks when a provider fails); only missing lines are redone.
    Voice { series: String, episode: u32 },
}

#[derive(Subcommand)]
enum CastCmd {
    /// Speak a sample with a character's voice into a WAV file and print where it is.
    Audition {
        series: String,
        character: String,
        /// What to say; any text, even one starting with a dash ("---").
        #[arg(long, allow_hyphen_values = true)]
        text: Option<String>,
    },
    /// The characters' reference images: the one in use, earlier versions, candidates waiting (with their files).
    References { series: String },
    /// Use your own images of a character as its reference (PNG or JPEG, at least 300 px a side, up to four
    /// angles; the first is the main one the models are given, the others are kept with it).
    Upload {
        series: String,
        character: String,
        /// For an outfit the story dresses the character in (as `aidas cast references` names it), not their
        /// usual look.
        #[arg(long)]
        outfit: Option<String>,
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
    },
    /// Make four candidate references of a character to choose from (`aidas cast choose`).
    Candidates {
        series: String,
        character: String,
        /// For an outfit the story dresses the character in: the candidates keep the face of the usual
        /// reference.
        #[arg(long)]
        outfit: Option<String>,
    },
    /// Use candidate NUMBER (1–4) as the character's reference.
    Choose {
        series: String,
        character: String,
        number: usize,
        /// The outfit the candidates were made for.
        #[arg(long)]
        outfit: Option<String>,
    },
    /// Use an earlier version of a character's reference again.
    UseReference {
        series: String,
        character: String,
        version: i64,
        /// The outfit the version is of (versions of an outfit are listed under it).
        #[arg(long)]
        outfit: Option<String>,
    },
}

#[derive(Subcommand)]
enum AlertsCmd {
    /// Send a test alert to every channel that is set up and say what became of it on each.
    Test,
}

#[derive(Subcommand)]
enum SecretsCmd {
    /// Store a provider's key: `echo -n "$KEY" | aidas secrets set openai`. fal and HeyGen take further keys,
    /// used in order when one runs out: `fal#2` … `fal#5`, `heygen#2` … `heygen#5`.
    Set {
        provider: String,
    },
    /// Which providers have keys, and where they come from; fal's and HeyGen's keys (`fal`, `fal#2`, …) with
    /// which one is in use and which are set aside.
    Status,
    Delete {
        provider: String,
    },
    /// Put a key that was set aside (out of balance, refused) back in use: `aidas secrets restore fal`.
    Restore {
        account: String,
    },
}

fn init_logging(verbose: u8, daemon_log: Option<PathBuf>) {
    use tracing_subscriber::layer::SubscriberExt;
    use tracing_subscriber::util::SubscriberInitExt;
    use tracing_subscriber::{EnvFilter, Layer};
    let default = match verbose {
        0 => "warn",
        1 => "info",
        2 => "debug",
        _ => "trace",
    };
    let filter = EnvFilter::try_from_env("AIDAS_LOG").unwrap_or_else(|_| EnvFilter::new(default));
    // Colour only on a terminal: a redirected stderr (a file, CI, a service manager) gets plain text.
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false);
    // The daemon also keeps a structured log (JSON lines, daily files) at info level or finer.
    let file = daemon_log
        .and_then(|dir| logfile::daily(&dir).ok())
        .map(|log| {
            tracing_subscriber::fmt::layer()
                .json()
                .with_ansi(false)
                .with_writer(log)
                .with_filter(
                    EnvFilter::try_from_env("AIDAS_LOG").unwrap_or_else(|_| EnvFilter::new("info")),
                )
        });
    let _ = tracing_subscriber::registry()
        .with(stderr.with_filter(filter))
        .with(file)
        .try_init();
}

fn print_json<T: Serialize>(v: &T) -> Result<(), CoreError> {
    let s = serde_json::to_string_pretty(v).map_err(|e| CoreError::Internal(e.to_string()))?;
    println!("{s}");
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // A command whose output is piped into `head` and cut short ends quietly, like any Unix tool, instead of a
    // panic on the broken pipe (Rust ignores SIGPIPE, so `println!` would fail). The long-running servers keep
    // ignoring it: a browser that goes away mid-answer must not stop the studio.
    #[cfg(unix)]
    if !matches!(cli.command, Command::Daemon { .. } | Command::Serve { .. }) {
        // SAFETY: restoring the default disposition of one signal at the start of main, before any thread starts.
        unsafe {
            libc::signal(libc::SIGPIPE, libc::SIG_DFL);
        }
    }
    // The background service (the daemon, and `aidas serve` with its workers) keeps a structured log.
    let daemon_log = matches!(cli.command, Command::Daemon { .. } | Command::Serve { .. })
        .then(|| {
            let env: std::collections::BTreeMap<String, String> = std::env::vars().collect();
            studio_core::resolve_data_dir(cli.data_dir.as_deref(), &env).ok()
        })
        .flatten()
        .map(|d| d.join("logs"));
    init_logging(cli.verbose, daemon_log);
    let json = cli.json;
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    match rt.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            let p = e.payload();
            if json {
                eprintln!("{}", serde_json::json!({ "error": p }));
            } else {
                // One line: several problems (a config with more than one bad key) are separated by "; ".
                eprintln!("error: {}", p.message.replace('\n', "; "));
                if let Some(next) = hints::next_step(p.code) {
                    eprintln!("  next: {next}");
                }
            }
            let user = e.is_user_error();
            ExitCode::from(if user { 2 } else { 1 })
        }
    }
}

/// Progress on stderr for long work: each finished stage as a line, and on a terminal also bars for render
/// frames and upload bytes. Silent when the output is JSON.
fn show_progress(engine: &studio_core::Engine, json: bool) {
    if json {
        return;
    }
    if !std::io::stderr().is_terminal() {
        // A pipe or a log file: plain lines, one per finished stage, no bars or escape codes.
        let mut rx = engine.events().subscribe();
        tokio::spawn(async move {
            loop {
                match rx.recv().await {
                    Ok(studio_core::EngineEvent::JobFinished {
                        series_id,
                        episode,
                        stage,
                        status,
                    }) => eprintln!("  {series_id} ep{episode} {stage}: {status}"),
                    Ok(_) | Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                    Err(_) => break,
                }
            }
        });
        return;
    }
    // On a terminal: a bar per render and upload (indicatif draws and clears them), finished stages as lines
    // above the bars.
    let bars = indicatif::MultiProgress::new();
    let style = indicatif::ProgressStyle::with_template("  {prefix} {bar:30} {percent:>3}%  {msg}")
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar());
    let mut rx = engine.events().subscribe();
    tokio::spawn(async move {
        use studio_core::EngineEvent as E;
        let mut open: std::collections::HashMap<
            (String, u32, &'static str),
            indicatif::ProgressBar,
        > = Default::default();
        let mut show = |key: (String, u32, &'static str), done: u64, total: u64, msg: String| {
            let bar = open.entry(key.clone()).or_insert_with(|| {
                let b = bars.add(indicatif::ProgressBar::new(total.max(1)));
                b.set_style(style.clone());
                b.set_prefix(format!("{} ep{} {}", key.0, key.1, key.2));
                b
            });
            bar.set_length(total.max(1));
            bar.set_position(done.min(total));
            bar.set_message(msg);
            if done >= total {
                bar.finish_and_clear();
                open.remove(&key);
            }
        };
        loop {
            match rx.recv().await {
                Ok(E::RenderProgress {
                    series_id,
                    episode,
                    frames_done,
                    frames_total,
                }) => show(
                    (series_id, episode, "render"),
                    frames_done,
                    frames_total,
                    format!("{frames_done}/{frames_total} frames"),
                ),
                Ok(E::UploadProgress {
                    series_id,
                    episode,
                    bytes_done,
                    bytes_total,
                }) => show(
                    (series_id, episode, "upload"),
                    bytes_done,
                    bytes_total,
                    format!(
                        "{:.1}/{:.1} MB",
                        bytes_done as f64 / 1e6,
                        bytes_total as f64 / 1e6
                    ),
                ),
                Ok(E::JobFinished {
                    series_id,
                    episode,
                    stage,
                    status,
                }) => {
                    let _ = bars.println(format!("  {series_id} ep{episode} {stage}: {status}"));
                }
                Ok(_) => {}
                Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => {}
                Err(_) => break,
            }
        }
    });
}

/// A token cancelled by SIGTERM or Ctrl-C (a second signal exits at once).
fn stop_on_signals() -> studio_core::CancellationToken {
    let stop = studio_core::CancellationToken::new();
    let flag = stop.clone();
    tokio::spawn(async move {
        #[cfg(unix)]
        let mut term =
            tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
        loop {
            #[cfg(unix)]
            let got = match term.as_mut() {
                Some(t) => {
                    tokio::select! { _ = t.recv() => true, r = tokio::signal::ctrl_c() => r.is_ok() }
                }
                None => tokio::signal::ctrl_c().await.is_ok(),
            };
            #[cfg(not(unix))]
            let got = tokio::signal::ctrl_c().await.is_ok();
            if !got {
                break;
            }
            if flag.is_cancelled() {
                eprintln!("stopping now");
                std::process::exit(130);
            }
            flag.cancel();
            eprintln!("finishing the jobs in hand, then exiting (signal again to stop at once)");
        }
    });
    stop
}

async fn run(cli: Cli) -> Result<(), CoreError> {
    let engine = Engine::open(EngineOptions {
        data_dir: cli.data_dir.clone(),
        ..Default::default()
    })
    .await?;
    let json = cli.json;
    match cli.command {
        c @ (Command::Episode(_)
        | Command::Storyboard { .. }
        | Command::Estimate { .. }
        | Command::Visuals { .. }
        | Command::Render { .. }
        | Command::Package { .. }
        | Command::Avatars { .. }
        | Command::Cast { .. }) => commands::episode::run(engine, c, json).await,
        c @ (Command::Produce { .. }
        | Command::Daemon { .. }
        | Command::Serve { .. }
        | Command::Status
        | Command::Jobs(_)) => commands::production::run(engine, c, json).await,
        c @ (Command::Review(_) | Command::Channel(_) | Command::Publish { .. }) => {
            commands::review::run(engine, c, json).await
        }
        c @ (Command::Series(_) | Command::Memory(_)) => {
            commands::series::run(engine, c, json).await
        }
        c @ Command::Direct(_) => commands::direct::run(engine, c, json).await,
        Command::Feedback(c) => commands::feedback::run(engine, c, json).await,
        c @ (Command::Init
        | Command::Demo
        | Command::Doctor
        | Command::Secrets(_)
        | Command::Alerts(_)) => commands::setup::run(engine, c, json).await,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every `aidas …` command quoted in a message anywhere in our crates must be one this CLI parses: a hint that
    /// names a command that does not exist (`aidas keys set`) sends a person nowhere.
    #[test]
    fn every_command_named_in_a_message_exists() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let mut files = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(d) = dirs.pop() {
            for e in std::fs::read_dir(&d).unwrap().flatten() {
                let p = e.path();
                if p.is_dir() {
                    dirs.push(p);
                } else if p.extension().is_some_and(|x| x == "rs") {
                    files.push(p);
                }
            }
        }
        let mut checked = 0;
        for f in files {
            let text = std::fs::read_to_string(&f).unwrap();
            // Messages, not documentation: comment lines are prose about commands.
            let code: String = text
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .map(|l| format!("{l}\n"))
                .collect();
            for quoted in code.split('`').skip(1).step_by(2) {
                let Some(rest) = quoted.strip_prefix("aidas ") else {
                    continue;
                };
                if rest.contains('\n') || rest.contains('…') || rest.contains('|') {
                    continue; // prose about the CLI, not a command
                }
                // Placeholders ({n}, {series_id}, {0}) stand for an argument.
                let mut line = String::new();
                let mut depth = 0;
                for c in rest.chars() {
                    match c {
                        '{' => {
                            if depth == 0 {
                                line.push('1');
                            }
                            depth += 1;
                        }
                        '}' => depth -= 1,
                        _ if depth == 0 => line.push(c),
                        _ => {}
                    }
                }
                // SERIES, N, PROVIDER: placeholders too.
                // N,M: a list of numbers.
                let placeholder = |w: &str| {
                    !w.is_empty()
                        && w.chars()
                            .all(|c| c.is_ascii_uppercase() || c == '_' || c == ',')
                };
                // Words as a shell splits them: a "quoted argument" (written \"…\" inside a Rust string) is one.
                let unescaped = line.replace("\\\"", "\"");
                let mut words: Vec<String> = Vec::new();
                let (mut word, mut quoted) = (String::new(), false);
                for c in unescaped.chars() {
                    match c {
                        '"' => quoted = !quoted,
                        c if c.is_whitespace() && !quoted => {
                            if !word.is_empty() {
                                words.push(std::mem::take(&mut word));
                            }
                        }
                        c => word.push(c),
                    }
                }
                if !word.is_empty() {
                    words.push(word);
                }
                let args = std::iter::once("aidas").chain(words.iter().map(|w| {
                    if placeholder(w) {
                        if w.contains(',') { "1,2" } else { "1" }
                    } else {
                        w.as_str()
                    }
                }));
                if let Err(e) = Cli::try_parse_from(args) {
                    panic!("{}: `aidas {rest}` does not parse: {e}", f.display());
                }
                checked += 1;
            }
        }
        assert!(checked > 10, "only {checked} commands found in messages");
    }
}
