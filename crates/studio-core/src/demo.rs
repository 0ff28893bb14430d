//! The main job as a demo: the sample series in story memory, and an offline-planned series whose first episode is
//! produced end to end by the same queue and stages as any other (offline generators when no key is set).

use std::path::PathBuf;

use serde::Serialize;
use studio_domain::{EpisodeContext, EpisodeOutcome, JobStatus, SeriesPlan, Stage};

use crate::queue::JobEnd;
use crate::{CoreError, Engine};

/// The sample series `aidas demo` uses, embedded so the demo works from any directory.
pub const SAMPLE_SERIES_JSON: &str = include_str!("../../../assets/samples/first-love.series.json");
pub const SAMPLE_OUTCOMES_JSON: &str =
    include_str!("../../../assets/samples/first-love.outcomes.json");

/// The offline-planned demo series.
pub const DEMO_SERIES_ID: &str = "offline-demo";
pub const DEMO_SERIES_TITLE: &str = "서울, 봄날의 계약";

#[derive(Debug, Clone, Serialize)]
pub struct DemoReport {
    pub offline: bool,
    pub data_dir: PathBuf,
    pub database: PathBuf,
    pub series_id: String,
    pub title: String,
    /// False when the series was already there (a re-run).
    pub imported: bool,
    pub recorded_now: Vec<u32>,
    pub recorded_before: Vec<u32>,
    pub context: EpisodeContext,
    /// A series planned offline by the template writer, with episode 1 written, checked and recorded.
    pub planned: PlannedDemo,
}

#[derive(Debug, Clone, Serialize)]
pub struct PlannedDemo {
    pub series_id: String,
    pub title: String,
    pub writer: String,
    pub planned_now: bool,
    pub characters: usize,
    pub episodes: u32,
    pub episode_1: ScriptSummary,
    /// Episode 1 voiced offline (espeak-ng), one file per line at 48 kHz.
    pub voices: studio_pipeline::voicing::VoicingReport,
    /// Episode 1's shots: offline stills (the render moves them with Ken Burns), each as long as its voiced shot.
    pub visuals: studio_pipeline::visuals::VisualsReport,
    /// Episode 1 rendered to MP4 (1080p30 H.264 High + AAC, subtitles burned in, −14 LUFS).
    pub render: crate::EpisodeRender,
    /// Episode 1's subtitles, upload metadata and thumbnail.
    pub package: crate::PackageReport,
    /// The production stages this run did (empty when everything was done before).
    pub stages_run_now: Vec<Stage>,
    /// Episode 1 waits at the review gate (`aidas review approve offline-demo 1` exports it).
    pub waiting_for_review: bool,
}

/// The gist of a script for terminal and JSON output.
#[derive(Debug, Clone, Serialize)]
pub struct ScriptSummary {
    pub written_now: bool,
    pub accepted: bool,
    pub title: String,
    pub summary: String,
    pub scenes: usize,
    pub lines: usize,
    pub shots: usize,
    pub high_priority_shots: usize,
    pub quality: Option<f64>,
    pub written_by: String,
    pub opening_lines: Vec<String>,
}

impl ScriptSummary {
    pub fn of(
        script: &studio_domain::EpisodeScript,
        chars: &[studio_domain::Character],
        written_now: bool,
        accepted: bool,
        quality: Option<f64>,
    ) -> Self {
        let name = |id: &str| {
            chars
                .iter()
                .find(|c| c.id == id || c.name == id)
                .map(|c| c.name.clone())
                .unwrap_or_else(|| id.to_string())
        };
        Self {
            written_now,
            accepted,
            title: script.title.clone(),
            summary: script.summary.clone(),
            scenes: script.scenes.len(),
            lines: script.line_count(),
            shots: script.storyboard.len(),
            high_priority_shots: script
                .storyboard
                .iter()
                .filter(|s| s.clip_priority == studio_domain::ClipPriority::High)
                .count(),
            quality,
            written_by: script.written_by.clone(),
            opening_lines: script
                .scenes
                .iter()
                .flat_map(|s| &s.lines)
                .take(4)
                .map(|l| format!("{}: {}", name(&l.character), l.text))
                .collect(),
        }
    }
}

impl Engine {
    /// The main job, as far as the studio goes today: the sample series in story memory with three recorded
    /// episodes, and the continuity context for episode 4. Re-running adds nothing.
    ///
    /// # Errors
    /// `InvalidInput` when the bundled sample does not parse (a broken build) or a stage stops episode 1 (with the
    /// stage and its cause); `Database` (and `CorruptData`) from the store.
    pub async fn demo(&self) -> Result<DemoReport, CoreError> {
        let plan: SeriesPlan = serde_json::from_str(SAMPLE_SERIES_JSON).map_err(|e| {
            CoreError::Internal(format!("the embedded sample series is malformed: {e}"))
        })?;
        let outcomes: Vec<EpisodeOutcome> =
            serde_json::from_str(SAMPLE_OUTCOMES_JSON).map_err(|e| {
                CoreError::Internal(format!("the embedded sample outcomes are malformed: {e}"))
            })?;
        let id = plan.series.id.clone();
        let imported = if self.store().series_exists(&id).await? {
            let existing = self.store().series(&id).await?;
            if existing.title != plan.series.title {
                return Err(CoreError::invalid(format!(
                    "the data directory already has a different series with id \"{id}\" (\"{}\"); run the demo in another data folder",
                    existing.title
                )));
            }
            false
        } else {
            self.import_plan(&plan).await?;
            true
        };
        let recorded_before = self.store().recorded_episodes(&id).await?;
        let mut recorded_now = Vec::new();
        for o in &outcomes {
            if !recorded_before.contains(&o.episode_number) {
                self.record_outcome(&id, o).await?;
                recorded_now.push(o.episode_number);
            }
        }
        let next = outcomes.iter().map(|o| o.episode_number).max().unwrap_or(0) + 1;
        let context = self.store().context_for(&id, next).await?;
        let planned = self.demo_planned().await?;
        Ok(DemoReport {
            offline: true,
            data_dir: self.data_dir().to_path_buf(),
            database: self.store().path().to_path_buf(),
            series_id: id,
            title: plan.series.title,
            imported,
            recorded_now,
            recorded_before,
            context,
            planned,
        })
    }

    async fn demo_planned(&self) -> Result<PlannedDemo, CoreError> {
        let planned_now = if self.store().series_exists(DEMO_SERIES_ID).await? {
            false
        } else {
            let r = self
                .new_series(crate::NewSeries {
                    title: DEMO_SERIES_TITLE.into(),
                    genre: Some(studio_domain::Genre::Romance),
                    episodes: 16,
                    episode_duration_min: 10,
                    premise:
                        "계약 연애로 시작한 두 사람이 서울의 봄을 지나며 진짜 마음을 알게 된다"
                            .into(),
                    main_theme: "가짜로 시작한 진심".into(),
                    target_audience: "20-30대".into(),
                    writer: Some("offline".into()),
                    id: Some(DEMO_SERIES_ID.into()),
                    seed: Some(2026),
                })
                .await?;
            if !r.problems.is_empty() {
                return Err(CoreError::Internal(format!(
                    "the offline plan did not validate: {}",
                    r.problems.join("; ")
                )));
            }
            true
        };
        let chars = self.store().characters(DEMO_SERIES_ID).await?;
        let series = self.store().series(DEMO_SERIES_ID).await?;
        // Episode 1 through the production engine: every stage as a job, so an interrupted demo resumes where it
        // stopped (the dead process's job is re-queued) instead of starting over.
        self.produce(DEMO_SERIES_ID, 1).await?;
        self.requeue_orphans().await?;
        let owner = crate::queue::worker_id(0);
        let mut stages_run_now = Vec::new();
        while let Some(o) = self.work_one(&owner).await? {
            if o.status != JobEnd::Succeeded && o.stage != Stage::ReviewGate {
                return Err(CoreError::invalid(format!(
                    "the demo stopped at {} of episode 1: {} (the job list of {DEMO_SERIES_ID} shows each stage)",
                    o.stage, o.message
                )));
            }
            stages_run_now.push(o.stage);
        }
        let jobs = self.store().jobs(Some(DEMO_SERIES_ID), Some(1)).await?;
        let result = |stage: Stage| -> Result<serde_json::Value, CoreError> {
            let j = jobs.iter().find(|j| j.stage == stage);
            match j.and_then(|j| j.result_json.as_deref()) {
                Some(text) if j.is_some_and(|j| j.status == JobStatus::Succeeded) => {
                    serde_json::from_str(text).map_err(|e| {
                        CoreError::Internal(format!("the {stage} job's result is unreadable: {e}"))
                    })
                }
                _ => Err(CoreError::invalid(format!(
                    "episode 1's {stage} stage has not finished (the job list of {DEMO_SERIES_ID} shows why)"
                ))),
            }
        };
        fn parse<T: serde::de::DeserializeOwned>(
            v: serde_json::Value,
            what: &str,
        ) -> Result<T, CoreError> {
            serde_json::from_value(v).map_err(|e| {
                CoreError::Internal(format!("the {what} job's result is unreadable: {e}"))
            })
        }
        let script = self
            .episode_script(DEMO_SERIES_ID, 1)
            .await?
            .ok_or_else(|| CoreError::Internal("episode 1 has no script after its stage".into()))?;
        let q = self
            .store()
            .check_report(DEMO_SERIES_ID, 1)
            .await?
            .and_then(|r| r.pointer("/quality/overall").and_then(|x| x.as_f64()));
        let episode_1 = ScriptSummary::of(
            &script,
            &chars,
            stages_run_now.contains(&Stage::Script),
            true,
            q,
        );
        // A stage that did not run now is verified instead (each is idempotent: checksums, inputs fingerprint),
        // so the report says what is true now — nothing redone — rather than repeating the first run's figures.
        let ran = |s: Stage| stages_run_now.contains(&s);
        let voices = if ran(Stage::Voices) {
            parse(result(Stage::Voices)?, "voices")?
        } else {
            self.voice_episode(DEMO_SERIES_ID, 1).await?
        };
        let visuals = if ran(Stage::Visuals) {
            parse(result(Stage::Visuals)?, "visuals")?
        } else {
            self.make_visuals(DEMO_SERIES_ID, 1).await?
        };
        let render = if ran(Stage::Render) {
            parse(result(Stage::Render)?, "render")?
        } else {
            self.render_episode(
                DEMO_SERIES_ID,
                1,
                &crate::RenderOptions::default(),
                std::sync::Arc::new(|_, _| {}),
                tokio_util::sync::CancellationToken::new(),
            )
            .await?
        };
        let package = parse(result(Stage::Package)?, "package")?;
        let waiting_for_review = jobs
            .iter()
            .any(|j| j.stage == Stage::ReviewGate && j.status == JobStatus::NeedsAttention);
        Ok(PlannedDemo {
            voices,
            visuals,
            render,
            package,
            stages_run_now,
            waiting_for_review,
            series_id: DEMO_SERIES_ID.into(),
            title: series.title,
            writer: studio_providers::offline::TEMPLATE_WRITER_ID.into(),
            planned_now,
            characters: chars.len(),
            episodes: series.total_episodes,
            episode_1,
        })
    }
}
