//! The whole-episode estimate before spending: what an accepted episode will still cost, per kind of work and
//! provider — voices (each line's characters at its voice's price), visuals (the router's plan), avatars (one take
//! per character and scene, in HeyGen's started 30 seconds), the upload's YouTube quota units — with what the
//! episode has spent already (the writer's tokens among it: the estimate is made once the script is accepted),
//! against the episode cap and what is left of today's cap. Prices come from `assets/pricing.toml`. A paid item in
//! flight is in both "spent" (its reservation) and "to come" until it is made, so the total errs on the high side.
//!
//! The first estimate of an episode is recorded with it (the store's settings, `estimate/<series>/<n>`), so the
//! reconciled ledger can be compared with what was expected before anything was spent.

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};
use studio_domain::TtsProvider;
use studio_pipeline::Pricing;
use studio_pipeline::avatars::{AvatarCut, avatar_lines, take_seconds};
use studio_pipeline::visuals::Route;

use crate::{CoreError, Engine};

/// A kind of work an episode pays for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum EstimateWork {
    Voices,
    Visuals,
    Avatars,
    Upload,
}

/// What an estimate line counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum EstimateUnit {
    Characters,
    Shots,
    /// Avatar takes (one video per character and scene).
    Takes,
    /// YouTube Data API quota units.
    QuotaUnits,
}

/// One provider's share of one kind of work.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EstimateLine {
    pub work: EstimateWork,
    /// The provider ("elevenlabs", "fal", "heygen", "openai", "youtube", "espeak", "offline").
    pub provider: String,
    /// How much of it, in `unit`.
    pub units: f64,
    pub unit: EstimateUnit,
    /// USD still to spend (0 for offline work and for YouTube, which is paid in quota units).
    pub usd: f64,
}

/// An episode's whole estimate.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EpisodeEstimate {
    pub series_id: String,
    pub episode: u32,
    /// What is still to come, per kind of work and provider.
    pub lines: Vec<EstimateLine>,
    /// USD still to spend (the sum of `lines`).
    pub to_come_usd: f64,
    /// USD the episode's ledger holds already, per provider (actual where settled, else the reservation).
    pub spent_usd: BTreeMap<String, f64>,
    /// Spent plus to come.
    pub total_usd: f64,
    /// `production.episode_cap_usd`.
    pub episode_cap_usd: f64,
    /// What is left of today's cap over all providers (`production.daily_cap_usd` minus today's spending).
    pub today_left_usd: f64,
    /// YouTube API units the upload will use, and what is left of today's quota.
    pub upload_units: i64,
    pub quota_left_units: i64,
    /// No paid provider is set up (no key for a voice, image, video or avatar service): everything is made offline.
    pub offline: bool,
    /// What the screens say besides the lines: work left out and why, or that everything is made.
    #[serde(default)]
    pub notes: Vec<EstimateNote>,
    /// The total passes the episode cap (its paid work would fall back to cheaper ways part way).
    pub over_episode_cap: bool,
    /// What is to come passes what is left of today's cap (some of it would wait for tomorrow).
    pub over_today: bool,
}

/// Something the estimate says besides its lines, as a value the screens word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum EstimateNote {
    /// Nothing is left to make: every line is voiced and every shot made (what was spent is below).
    AllMade,
    /// No HeyGen key in use: no avatars, every line is voice-only (a portrait still and subtitles).
    NoAvatarKey,
    /// The series has no YouTube channel: the episode goes to the export folder, no quota is used.
    NoChannel,
}

/// One provider's expected cost (the recorded estimate: spent then plus to come) next to what the episode's ledger
/// holds now.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct ProviderCheck {
    pub provider: String,
    pub expected_usd: f64,
    pub spent_usd: f64,
}

/// An episode's estimate now, the one recorded before its paid work started, and the two compared per provider.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
pub struct EstimateReport {
    pub estimate: EpisodeEstimate,
    pub recorded: Option<EpisodeEstimate>,
    /// Every provider either side that expected or spent anything, by name (empty without a recorded estimate).
    pub against_ledger: Vec<ProviderCheck>,
}

impl EpisodeEstimate {
    /// USD per provider: what was spent when the estimate was made plus what was to come.
    pub fn by_provider(&self) -> BTreeMap<String, f64> {
        let mut out: BTreeMap<String, f64> = self.spent_usd.clone();
        for l in &self.lines {
            *out.entry(l.provider.clone()).or_default() += l.usd;
        }
        out
    }

    fn add(
        &mut self,
        work: EstimateWork,
        provider: &str,
        units: f64,
        unit: EstimateUnit,
        usd: f64,
    ) {
        if units <= 0.0 {
            return;
        }
        match self
            .lines
            .iter_mut()
            .find(|l| l.work == work && l.provider == provider)
        {
            Some(l) => {
                l.units += units;
                l.usd += usd;
            }
            None => self.lines.push(EstimateLine {
                work,
                provider: provider.into(),
                units,
                unit,
                usd,
            }),
        }
    }
}

fn key(series_id: &str, n: u32) -> String {
    format!("estimate/{series_id}/{n}")
}

impl Engine {
    /// The whole estimate of an episode with an accepted script, from what is made so far and the providers set up
    /// now.
    ///
    /// # Errors
    /// `unknown_series`; `invalid_input` when the episode has no accepted script; keyring and store errors.
    pub async fn episode_estimate(
        &self,
        series: &str,
        n: u32,
    ) -> Result<EpisodeEstimate, CoreError> {
        let s = self.store().find_series(series).await?;
        let (script, plan) = self.storyboard(&s.id, n).await?;
        self.estimate_with(&s.id, &script, &plan).await
    }

    /// [`Engine::episode_estimate`] from a storyboard already made (the storyboard view has one: routing it again
    /// on every look would do the same work twice).
    pub(crate) async fn estimate_with(
        &self,
        series_id: &str,
        script: &studio_domain::EpisodeScript,
        plan: &studio_pipeline::visuals::RoutePlan,
    ) -> Result<EpisodeEstimate, CoreError> {
        let s = self.store().find_series(series_id).await?;
        let n = script.episode_number;
        let pricing = Pricing::bundled();
        let cfg = self.config();
        let mut e = EpisodeEstimate {
            series_id: s.id.clone(),
            episode: n,
            lines: Vec::new(),
            to_come_usd: 0.0,
            spent_usd: BTreeMap::new(),
            total_usd: 0.0,
            episode_cap_usd: cfg.production.episode_cap_usd,
            today_left_usd: 0.0,
            upload_units: 0,
            quota_left_units: 0,
            offline: true,
            notes: Vec::new(),
            over_episode_cap: false,
            over_today: false,
        };
        for l in self.store().usage(Some(&s.id)).await? {
            if l.episode_number == Some(n) {
                *e.spent_usd.entry(l.provider.clone()).or_default() +=
                    l.actual_usd.unwrap_or(l.estimated_usd);
            }
        }

        // Voices: each line not voiced yet, spoken by the first voice of its chain whose provider is set up.
        let voiced: HashMap<String, studio_domain::LineAudio> = self
            .store()
            .line_audio(&s.id, n)
            .await?
            .into_iter()
            .map(|a| (a.line_id.clone(), a))
            .collect();
        let available: Vec<TtsProvider> = self
            .voice_providers()
            .await?
            .iter()
            .map(|p| p.provider())
            .collect();
        let (cast, _) = self.store().cast(&s.id).await?;
        let characters = self.store().characters(&s.id).await?;
        let speaks = |who: &str| -> TtsProvider {
            let id = characters
                .iter()
                .find(|c| c.id == who || c.name == who)
                .map_or(who, |c| c.id.as_str());
            cast.iter()
                .find(|c| c.character_id == id)
                .and_then(|c| c.chain().find(|v| available.contains(&v.provider)))
                .map_or(TtsProvider::Espeak, |v| v.provider)
        };
        let mut seconds: HashMap<String, f64> = HashMap::new();
        for line in script.scenes.iter().flat_map(|sc| &sc.lines) {
            let said = line.spoken();
            if !said.is_speakable() {
                continue;
            }
            let chars = said.text.chars().count();
            // A voiced line's measured length, else the timeline's estimate from its text.
            seconds.insert(
                line.id.clone(),
                voiced.get(&line.id).map_or_else(
                    || studio_pipeline::timeline::estimated_line_sec(&said.text),
                    |a| a.duration_sec,
                ),
            );
            if voiced.contains_key(&line.id) {
                continue;
            }
            let p = speaks(&line.character);
            e.add(
                EstimateWork::Voices,
                &p.to_string(),
                chars as f64,
                EstimateUnit::Characters,
                pricing.tts_cost(p, chars as u64),
            );
        }

        // Visuals: the router's plan for the shots not made yet.
        let made: Vec<usize> = self
            .store()
            .shot_media_json(&s.id, n)
            .await?
            .iter()
            .filter_map(|v| v.get("index").and_then(|i| i.as_u64()))
            .map(|i| i as usize)
            .collect();
        for d in plan.decisions.iter().filter(|d| !made.contains(&d.index)) {
            let provider = match d.route {
                Route::Video { .. } | Route::Still { .. } => "fal",
                Route::OfflineStill => "offline",
            };
            e.add(
                EstimateWork::Visuals,
                provider,
                1.0,
                EstimateUnit::Shots,
                d.estimate_usd,
            );
        }

        // Avatars: one take per character and scene, billed by the started 30 s; lines whose take is made and
        // still fits their voice are done. Reading HeyGen's account (its remaining quota, its avatars) would cost a
        // network call on every look at the storyboard, so this counts as if the plan's usage allowed partial
        // avatars and every character had one: an estimate on the high side.
        let avatars_keyed = self.has_usable_key("heygen").await?;
        if !avatars_keyed {
            e.notes.push(EstimateNote::NoAvatarKey);
        }
        if avatars_keyed {
            let (wanted, _) = avatar_lines(script, &characters, 0.0, &cfg.avatars);
            let ep_dir = self.data_dir().join(format!("series/{}/ep{n:03}", s.id));
            let mut takes: Vec<((u32, &str), Vec<f64>)> = Vec::new();
            for w in &wanted {
                let done = AvatarCut::read(&ep_dir, &w.line_id).is_some_and(|c| {
                    voiced
                        .get(&w.line_id)
                        .is_some_and(|a| a.sha256 == c.audio_sha256)
                });
                if done {
                    continue;
                }
                let secs = seconds.get(&w.line_id).copied().unwrap_or(0.0);
                let k = (w.scene, w.character.as_str());
                match takes.iter_mut().find(|(t, _)| *t == k) {
                    Some((_, v)) => v.push(secs),
                    None => takes.push((k, vec![secs])),
                }
            }
            for (_, lines) in &takes {
                let secs = take_seconds(lines);
                e.add(
                    EstimateWork::Avatars,
                    "heygen",
                    1.0,
                    EstimateUnit::Takes,
                    pricing.avatar_cost("heygen", secs).unwrap_or(0.0),
                );
            }
        }

        // The upload: YouTube quota units, when the series publishes to a channel.
        let q = &cfg.youtube.units;
        let channel = self.publish_channel(&s.id).await?.is_some();
        if !channel {
            e.notes.push(EstimateNote::NoChannel);
        }
        if channel {
            let mut units = q.insert + q.thumbnail + q.playlist_item;
            if cfg.youtube.captions {
                units += q.caption;
            }
            e.upload_units = units;
            e.add(
                EstimateWork::Upload,
                "youtube",
                units as f64,
                EstimateUnit::QuotaUnits,
                0.0,
            );
        }
        let day = self.youtube_quota().await?;
        e.quota_left_units = (cfg.youtube.daily_units - day.units).max(0);

        e.to_come_usd = studio_domain::money::total_usd(e.lines.iter().map(|l| l.usd));
        let spent = studio_domain::money::total_usd(e.spent_usd.values().copied());
        e.total_usd = e.to_come_usd + spent;
        let today = studio_domain::money::total_usd(
            self.store()
                .spend_since(&self.day_start())
                .await?
                .into_iter()
                .map(|(_, c)| c),
        );
        e.today_left_usd = (cfg.production.daily_cap_usd - today).max(0.0);
        // Offline means no paid provider is set up — not merely nothing left to pay for.
        let mut keyed = avatars_keyed;
        for p in ["fal", "hf", "elevenlabs", "google_tts", "azure_tts"] {
            keyed = keyed || !self.provider_keys(p).await?.is_empty();
        }
        e.offline = !keyed && spent == 0.0;
        if e.lines.iter().all(|l| l.work == EstimateWork::Upload) {
            e.notes.insert(0, EstimateNote::AllMade);
        }
        e.over_episode_cap = e.total_usd > e.episode_cap_usd + 1e-9;
        e.over_today = e.to_come_usd > e.today_left_usd + 1e-9;
        e.lines
            .sort_by(|a, b| (a.work, &a.provider).cmp(&(b.work, &b.provider)));
        Ok(e)
    }

    /// The estimate now, the recorded one, and the recorded one against the ledger per provider.
    ///
    /// # Errors
    /// As [`Engine::episode_estimate`].
    pub async fn estimate_report(&self, series: &str, n: u32) -> Result<EstimateReport, CoreError> {
        let estimate = self.episode_estimate(series, n).await?;
        let recorded = self.recorded_estimate(series, n).await?;
        let against_ledger = match &recorded {
            None => Vec::new(),
            Some(r) => {
                let expected = r.by_provider();
                let mut names: Vec<&String> =
                    expected.keys().chain(estimate.spent_usd.keys()).collect();
                names.sort();
                names.dedup();
                names
                    .into_iter()
                    .map(|p| ProviderCheck {
                        provider: p.clone(),
                        expected_usd: expected.get(p).copied().unwrap_or(0.0),
                        spent_usd: estimate.spent_usd.get(p).copied().unwrap_or(0.0),
                    })
                    .filter(|c| c.expected_usd != 0.0 || c.spent_usd != 0.0)
                    .collect()
            }
        };
        Ok(EstimateReport {
            estimate,
            recorded,
            against_ledger,
        })
    }

    /// The episode's estimate as first recorded (before its paid work started), when there is one.
    ///
    /// # Errors
    /// `unknown_series`; store errors. A recorded estimate this version cannot read counts as none.
    pub async fn recorded_estimate(
        &self,
        series: &str,
        n: u32,
    ) -> Result<Option<EpisodeEstimate>, CoreError> {
        let s = self.store().find_series(series).await?;
        // A recorded estimate this version cannot read counts as none.
        Ok(self
            .store()
            .setting::<serde_json::Value>(&key(&s.id, n))
            .await?
            .and_then(|v| serde_json::from_value(v).ok()))
    }

    /// Records the episode's estimate unless one is recorded already (the first one is what the ledger is
    /// compared with). Returns the recorded one.
    ///
    /// # Errors
    /// As [`Engine::episode_estimate`].
    pub async fn record_estimate(
        &self,
        series: &str,
        n: u32,
    ) -> Result<EpisodeEstimate, CoreError> {
        if let Some(e) = self.recorded_estimate(series, n).await? {
            return Ok(e);
        }
        let e = self.episode_estimate(series, n).await?;
        self.store().set_setting(&key(&e.series_id, n), &e).await?;
        Ok(e)
    }
}
