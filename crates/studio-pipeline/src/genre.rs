//! Genre templates (seed §7.1): act structure, the elements a series of the genre must contain, where they fall,
//! and the roles its cast needs.

use studio_domain::{ArcPhase, Genre};

pub struct Act {
    pub phase: ArcPhase,
    /// Share of the series, 0–1; the shares add up to 1.
    pub share: f64,
    pub description: &'static str,
}

pub struct GenreTemplate {
    pub genre: Genre,
    pub acts: &'static [Act],
    /// Milestones every plan of this genre must place.
    pub required_elements: &'static [&'static str],
    /// Where some elements fall, as a fraction of the series.
    pub pacing: &'static [(&'static str, f64)],
    pub min_characters: usize,
    pub roles: &'static [&'static str],
}

const ROMANCE: GenreTemplate = GenreTemplate {
    genre: Genre::Romance,
    acts: &[
        Act {
            phase: ArcPhase::Exposition,
            share: 0.2,
            description: "만남과 끌림",
        },
        Act {
            phase: ArcPhase::RisingAction,
            share: 0.4,
            description: "관계 발전과 갈등",
        },
        Act {
            phase: ArcPhase::Climax,
            share: 0.2,
            description: "위기",
        },
        Act {
            phase: ArcPhase::Resolution,
            share: 0.2,
            description: "해결",
        },
    ],
    required_elements: &[
        "first_meeting",
        "growing_interest",
        "first_conflict",
        "confession",
        "major_crisis",
        "resolution",
    ],
    pacing: &[
        ("first_meeting", 0.0),
        ("growing_interest", 0.2),
        ("first_conflict", 0.3),
        ("confession", 0.5),
        ("major_crisis", 0.8),
        ("resolution", 0.95),
    ],
    min_characters: 4,
    roles: &["주인공", "상대역", "조력자", "방해자"],
};

const THRILLER: GenreTemplate = GenreTemplate {
    genre: Genre::Thriller,
    acts: &[
        Act {
            phase: ArcPhase::Exposition,
            share: 0.25,
            description: "사건 발생과 수수께끼",
        },
        Act {
            phase: ArcPhase::RisingAction,
            share: 0.45,
            description: "추적과 단서 수집",
        },
        Act {
            phase: ArcPhase::Climax,
            share: 0.15,
            description: "거짓 절정과 반전",
        },
        Act {
            phase: ArcPhase::Resolution,
            share: 0.15,
            description: "진범과 해결",
        },
    ],
    required_elements: &[
        "inciting_incident",
        "red_herrings",
        "clue_revelations",
        "false_climax",
        "true_villain_reveal",
        "resolution",
    ],
    pacing: &[
        ("inciting_incident", 0.0),
        ("red_herrings", 0.3),
        ("clue_revelations", 0.2),
        ("false_climax", 0.7),
        ("true_villain_reveal", 0.9),
        ("resolution", 0.97),
    ],
    min_characters: 6,
    roles: &["주인공", "조력자", "용의자들", "진범", "희생자"],
};

const COMEDY: GenreTemplate = GenreTemplate {
    genre: Genre::Comedy,
    acts: &[
        Act {
            phase: ArcPhase::Exposition,
            share: 0.3,
            description: "캐릭터 소개와 상황 설정",
        },
        Act {
            phase: ArcPhase::RisingAction,
            share: 0.35,
            description: "오해와 소동",
        },
        Act {
            phase: ArcPhase::Climax,
            share: 0.15,
            description: "소동의 정점",
        },
        Act {
            phase: ArcPhase::Resolution,
            share: 0.2,
            description: "해결과 교훈",
        },
    ],
    required_elements: &[
        "character_quirks",
        "misunderstandings",
        "running_gags",
        "slapstick_moments",
        "heartwarming_resolution",
    ],
    pacing: &[
        ("character_quirks", 0.0),
        ("misunderstandings", 0.3),
        ("running_gags", 0.1),
        ("slapstick_moments", 0.6),
        ("heartwarming_resolution", 0.95),
    ],
    min_characters: 5,
    roles: &["주인공", "라이벌", "조력자", "이웃", "가족"],
};

const OTHER: GenreTemplate = GenreTemplate {
    genre: Genre::Other,
    acts: &[
        Act {
            phase: ArcPhase::Exposition,
            share: 0.25,
            description: "발단",
        },
        Act {
            phase: ArcPhase::RisingAction,
            share: 0.4,
            description: "전개",
        },
        Act {
            phase: ArcPhase::Climax,
            share: 0.2,
            description: "절정",
        },
        Act {
            phase: ArcPhase::Resolution,
            share: 0.15,
            description: "결말",
        },
    ],
    required_elements: &[],
    pacing: &[],
    min_characters: 4,
    roles: &["주인공", "조력자", "방해자"],
};

pub fn template(g: Genre) -> &'static GenreTemplate {
    match g {
        Genre::Romance => &ROMANCE,
        Genre::Thriller => &THRILLER,
        Genre::Comedy => &COMEDY,
        Genre::Other => &OTHER,
    }
}

impl GenreTemplate {
    /// The arc phase of episode `n` of `total` by the act shares.
    pub fn phase(&self, n: u32, total: u32) -> ArcPhase {
        let x = (n as f64 - 0.5) / total.max(1) as f64;
        let mut acc = 0.0;
        for a in self.acts {
            acc += a.share;
            if x < acc {
                return a.phase;
            }
        }
        ArcPhase::Resolution
    }

    /// The episode an element falls in for a series of `total` episodes.
    pub fn milestone_episode(&self, share: f64, total: u32) -> u32 {
        ((share * total as f64).round() as u32).clamp(1, total.max(1))
    }

    /// Episode ranges per act, e.g. "1-3화: 만남과 끌림".
    pub fn act_ranges(&self, total: u32) -> Vec<(ArcPhase, u32, u32, &'static str)> {
        let mut out = Vec::new();
        for a in self.acts {
            let eps: Vec<u32> = (1..=total)
                .filter(|n| self.phase(*n, total) == a.phase)
                .collect();
            if let (Some(f), Some(l)) = (eps.first(), eps.last()) {
                out.push((a.phase, *f, *l, a.description));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phases_cover_the_series_in_order() {
        for g in [Genre::Romance, Genre::Thriller, Genre::Comedy, Genre::Other] {
            let t = template(g);
            let total: f64 = t.acts.iter().map(|a| a.share).sum();
            assert!((total - 1.0).abs() < 1e-9);
            let phases: Vec<ArcPhase> = (1..=16).map(|n| t.phase(n, 16)).collect();
            assert_eq!(phases[0], ArcPhase::Exposition);
            assert_eq!(phases[15], ArcPhase::Resolution);
            assert!(
                phases.windows(2).all(|w| w[0] as u8 <= w[1] as u8),
                "{g}: {phases:?}"
            );
            assert_eq!(t.act_ranges(16).len(), 4);
        }
        assert_eq!(template(Genre::Romance).milestone_episode(0.5, 16), 8);
        assert_eq!(template(Genre::Romance).milestone_episode(0.0, 16), 1);
    }
}
