//! # Alerts
//!
//! Rules over the production numbers, evaluated by the daemon every minute: the day's job error rate above 10 %,
//! spending above 80 % of a cap, less than 10 % of the day's YouTube quota (units or uploads) left, the data disk
//! above 90 % full. A rule that fires becomes an `Alert` event (the
//! desktop shell turns those into notifications) and goes to the alert channels routed for its level ([`channels`]:
//! the webhook, Slack, Discord, Telegram, e-mail). The same alert is not repeated within an hour.

pub mod channels;

use serde::Serialize;
use studio_domain::{ErrorCode, JobStatus};

use crate::clock::now_ms;
use crate::events::{AlertAbout, AlertLevel, EngineEvent};
use crate::{CoreError, Engine};

#[derive(Debug, Clone, PartialEq, Default)]
pub struct AlertInputs {
    /// Jobs that ended today, and how many of those ended in a failure (waiting to retry or parked).
    pub finished_today: usize,
    pub failed_today: usize,
    /// Each spending cap with what is spent against it.
    pub spend: Vec<CapSpend>,
    /// The episodes that spent today, each with all it spent, and the cap per episode (US dollars).
    pub episodes: Vec<EpisodeSpend>,
    /// Used share of the data directory's disk.
    pub disk_used: Option<f64>,
    /// YouTube today, when a channel is connected.
    pub youtube: Option<QuotaUse>,
}

/// A spending cap and today's spending against it (US dollars).
#[derive(Debug, Clone, PartialEq)]
pub struct CapSpend {
    pub cap: String,
    pub spent_usd: f64,
    pub limit_usd: f64,
}

/// One episode's spending against the cap per episode (US dollars).
#[derive(Debug, Clone, PartialEq)]
pub struct EpisodeSpend {
    pub series_id: String,
    /// The series' title, for the sentence.
    pub title: String,
    pub episode: u32,
    pub spent_usd: f64,
    pub limit_usd: f64,
}

/// Today's YouTube quota use against the limits (API units and uploads).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuotaUse {
    pub units: i64,
    pub max_units: i64,
    pub uploads: i64,
    pub max_uploads: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RaisedAlert {
    pub rule: String,
    pub about: AlertAbout,
    pub level: AlertLevel,
    pub message: String,
}

/// The rules, as numbers in and alerts out.
pub fn evaluate(i: &AlertInputs) -> Vec<RaisedAlert> {
    let mut out = Vec::new();
    // A handful of jobs is not a rate: wait for ten.
    if i.finished_today >= 10 {
        let rate = i.failed_today as f64 / i.finished_today as f64;
        if rate > 0.10 {
            out.push(RaisedAlert {
                rule: "error_rate".into(),
                about: AlertAbout::ErrorRate {
                    failed: i.failed_today,
                    finished: i.finished_today,
                },
                level: AlertLevel::Warning,
                message: format!(
                    "{:.0} % of today's production jobs failed ({} of {}); the production status lists what needs attention",
                    rate * 100.0,
                    i.failed_today,
                    i.finished_today
                ),
            });
        }
    }
    for CapSpend {
        cap: name,
        spent_usd: spent,
        limit_usd: limit,
    } in &i.spend
    {
        if *limit > 0.0 && spent / limit > 0.8 {
            out.push(RaisedAlert {
                rule: format!("spend:{name}"),
                about: AlertAbout::Spend {
                    cap: name.clone(),
                    spent_usd: *spent,
                    limit_usd: *limit,
                },
                level: if spent >= limit {
                    AlertLevel::Critical
                } else {
                    AlertLevel::Warning
                },
                message: format!(
                    "${spent:.2} of the ${limit:.2} {name} is spent ({:.0} %); paid work degrades or stops at the cap",
                    100.0 * spent / limit
                ),
            });
        }
    }
    for e in &i.episodes {
        if e.limit_usd > 0.0 && e.spent_usd / e.limit_usd > 0.8 {
            out.push(RaisedAlert {
                rule: format!("episode_spend:{}:{}", e.series_id, e.episode),
                about: AlertAbout::EpisodeSpend {
                    series_id: e.series_id.clone(),
                    episode: e.episode,
                    spent_usd: e.spent_usd,
                    limit_usd: e.limit_usd,
                },
                level: if e.spent_usd + 1e-9 >= e.limit_usd {
                    AlertLevel::Critical
                } else {
                    AlertLevel::Warning
                },
                message: format!(
                    "{} episode {}: ${:.2} of the ${:.2} cap per episode is spent ({:.0} %); once the cap is reached, \
                     the rest is made the cheaper way (stills, the offline voice, no avatars)",
                    e.title,
                    e.episode,
                    e.spent_usd,
                    e.limit_usd,
                    100.0 * e.spent_usd / e.limit_usd
                ),
            });
        }
    }
    if let Some(QuotaUse {
        units,
        max_units,
        uploads,
        max_uploads,
    }) = i.youtube
    {
        let left = |used: i64, max: i64| {
            if max > 0 {
                (max - used).max(0) as f64 / max as f64
            } else {
                1.0
            }
        };
        let (lu, lp) = (left(units, max_units), left(uploads, max_uploads));
        if lu < 0.10 || lp < 0.10 {
            out.push(RaisedAlert {
                rule: "youtube_quota".into(),
                about: AlertAbout::YoutubeQuota,
                level: AlertLevel::Warning,
                message: format!(
                    "YouTube quota is nearly used for today: {units} of {max_units} units, {uploads} of {max_uploads} \
                     uploads; later uploads wait for the reset at midnight Pacific"
                ),
            });
        }
    }
    if let Some(used) = i.disk_used.filter(|u| *u > 0.9) {
        out.push(RaisedAlert {
            rule: "disk".into(),
            about: AlertAbout::Disk { used },
            level: AlertLevel::Critical,
            message: format!(
                "the data disk is {:.0} % full; renders need about 1 GiB each",
                used * 100.0
            ),
        });
    }
    out
}

impl Engine {
    /// Raises an alert from the work itself (an episode ready for review, a stage that needs a person, a channel
    /// to reconnect, …): the `Alert` event for the screens and the alert channels routed for its level. `rule`
    /// names it for the webhook. A channel that cannot be reached is logged, never an error of the work.
    pub async fn raise_alert(
        &self,
        rule: &str,
        level: AlertLevel,
        about: AlertAbout,
        message: String,
    ) {
        self.events().publish(EngineEvent::Alert {
            level,
            about,
            message: message.clone(),
        });
        self.deliver_alert(rule, level, &message).await;
    }

    /// Evaluates the rules now; publishes and posts what fired (at most once an hour per rule).
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store; a channel that cannot be reached is logged, not an error.
    pub async fn check_alerts(&self) -> Result<Vec<RaisedAlert>, CoreError> {
        let today_ms = crate::clock::local_day_start_ms(now_ms(), &self.config().time_zone());
        let jobs = self.store().jobs(None, None).await?;
        let ended: Vec<_> = jobs
            .iter()
            .filter(|j| j.completed_ms.is_some_and(|t| t >= today_ms))
            .collect();
        let failed = ended
            .iter()
            .filter(|j| {
                matches!(
                    j.status,
                    JobStatus::RetryWaiting | JobStatus::NeedsAttention
                ) && j.error_kind != Some(ErrorCode::AwaitingReview)
            })
            .count();
        let since = self.day_start();
        let by_provider = self.store().spend_since(&since).await?;
        let mut spend = Vec::new();
        // The day's caps (the episode cap counts each episode, not the day).
        for cap in self.spend_caps().into_iter().filter(|c| !c.per_episode) {
            let spent = studio_domain::money::total_usd(
                by_provider
                    .iter()
                    .filter(|(p, _)| cap.provider.as_ref().is_none_or(|c| c == p))
                    .map(|(_, c)| *c),
            );
            spend.push(CapSpend {
                cap: cap.name,
                spent_usd: spent,
                limit_usd: cap.limit_usd,
            });
        }
        let episode_cap = self.config().production.episode_cap_usd;
        let mut episodes = Vec::new();
        for (series_id, episode, spent) in self.store().episodes_spending_since(&since).await? {
            // The title in the sentence (logs, the channels); the screens word `about` themselves.
            let title = match self.store().series(&series_id).await {
                Ok(s) => s.title,
                Err(_) => series_id.clone(),
            };
            episodes.push(EpisodeSpend {
                series_id,
                title,
                episode: episode.max(0) as u32,
                spent_usd: spent,
                limit_usd: episode_cap,
            });
        }
        let dir = self.data_dir();
        let disk_used = match (fs4::available_space(dir), fs4::total_space(dir)) {
            (Ok(free), Ok(total)) if total > 0 => Some(1.0 - free as f64 / total as f64),
            _ => None,
        };
        let youtube = if self.channels().await?.is_empty() {
            None
        } else {
            let q = self.youtube_quota().await?;
            let y = &self.config().youtube;
            Some(QuotaUse {
                units: q.units,
                max_units: y.daily_units,
                uploads: q.uploads,
                max_uploads: y.uploads_per_day,
            })
        };
        let fired = evaluate(&AlertInputs {
            finished_today: ended.len(),
            failed_today: failed,
            spend,
            episodes,
            disk_used,
            youtube,
        });
        let mut raised = Vec::new();
        for a in fired {
            // Claimed atomically, so the daemon and the desktop app on one database send each alert once.
            // Per level too: a critical alert (a cap reached) is not held back by the warning an hour before it.
            let key = format!("alert.last.{}.{:?}", a.rule, a.level);
            if !self
                .store()
                .claim_once_per(&key, now_ms(), 3_600_000)
                .await?
            {
                continue;
            }
            self.events().publish(EngineEvent::Alert {
                level: a.level,
                about: a.about.clone(),
                message: a.message.clone(),
            });
            self.deliver_alert(&a.rule, a.level, &a.message).await;
            raised.push(a);
        }
        Ok(raised)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cap_spend(cap: &str, spent_usd: f64, limit_usd: f64) -> CapSpend {
        CapSpend {
            cap: cap.into(),
            spent_usd,
            limit_usd,
        }
    }

    #[test]
    fn the_rules_fire_on_their_thresholds() {
        let quiet = AlertInputs {
            finished_today: 40,
            failed_today: 4,
            spend: vec![cap_spend("daily cap", 20.0, 25.0)],
            episodes: vec![],
            disk_used: Some(0.5),
            youtube: Some(QuotaUse {
                units: 8_000,
                max_units: 10_000,
                uploads: 5,
                max_uploads: 6,
            }),
        };
        assert!(
            evaluate(&quiet).is_empty(),
            "10 % errors and 80 % spend are not over"
        );
        let loud = AlertInputs {
            finished_today: 40,
            failed_today: 5,
            spend: vec![
                cap_spend("daily cap", 20.5, 25.0),
                cap_spend("fal daily cap", 10.0, 10.0),
            ],
            episodes: vec![],
            disk_used: Some(0.93),
            youtube: Some(QuotaUse {
                units: 9_650,
                max_units: 10_000,
                uploads: 6,
                max_uploads: 6,
            }),
        };
        let a = evaluate(&loud);
        let rules: Vec<&str> = a.iter().map(|x| x.rule.as_str()).collect();
        assert_eq!(
            rules,
            [
                "error_rate",
                "spend:daily cap",
                "spend:fal daily cap",
                "youtube_quota",
                "disk"
            ]
        );
        assert_eq!(a[2].level, AlertLevel::Critical);
        // What each is about, as values a screen words in the creator's language.
        assert_eq!(
            a[2].about,
            AlertAbout::Spend {
                cap: "fal daily cap".into(),
                spent_usd: 10.0,
                limit_usd: 10.0
            }
        );
        assert!(matches!(a[0].about, AlertAbout::ErrorRate { .. }));
        assert_eq!(a[3].about, AlertAbout::YoutubeQuota);
        assert!(matches!(a[4].about, AlertAbout::Disk { used } if used > 0.9));
        // An episode past 80 % of the cap per episode warns; at the cap it is critical.
        let ep = |spent_usd: f64| AlertInputs {
            episodes: vec![EpisodeSpend {
                series_id: "s1".into(),
                title: "첫사랑".into(),
                episode: 3,
                spent_usd,
                limit_usd: 10.0,
            }],
            ..Default::default()
        };
        assert!(evaluate(&ep(8.0)).is_empty());
        let warn = evaluate(&ep(8.5));
        assert_eq!(warn[0].rule, "episode_spend:s1:3");
        assert_eq!(warn[0].level, AlertLevel::Warning);
        assert!(
            warn[0]
                .message
                .starts_with("첫사랑 episode 3: $8.50 of the $10.00"),
            "{}",
            warn[0].message
        );
        assert_eq!(evaluate(&ep(10.0))[0].level, AlertLevel::Critical);
        let few = AlertInputs {
            finished_today: 3,
            failed_today: 3,
            ..Default::default()
        };
        assert!(evaluate(&few).is_empty(), "three jobs are not a rate");
    }
}
