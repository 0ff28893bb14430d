//! Store tests on real SQLite files in temp dirs.

use std::path::PathBuf;

use studio_domain::{
    Character, EpisodeOutcome, EpisodeStatus, Importance, RelationshipChange, SeriesPlan,
    ThreadResolution, VoiceProfile,
};
use studio_store::{Store, StoreError};

mod jobs;

fn samples() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../assets/samples")
}

fn sample_plan() -> SeriesPlan {
    let s = std::fs::read_to_string(samples().join("first-love.series.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

fn sample_outcomes() -> Vec<EpisodeOutcome> {
    let s = std::fs::read_to_string(samples().join("first-love.outcomes.json")).unwrap();
    serde_json::from_str(&s).unwrap()
}

async fn fresh() -> (tempfile::TempDir, Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&dir.path().join("aidas.db")).await.unwrap();
    (dir, store)
}

async fn with_sample() -> (tempfile::TempDir, Store) {
    let (d, s) = fresh().await;
    s.save_plan(&sample_plan()).await.unwrap();
    (d, s)
}

/// Every story-memory row, without timestamps, in a stable order: the world, byte for byte.
async fn dump(store: &Store) -> Vec<String> {
    let queries = [
        "SELECT json_array(character_id, episode_number, emotional_state, location, active_goals_json, \
         resolved_goals_json, traits_json, situation, alive, present, note) FROM character_states \
         ORDER BY character_id, episode_number",
        "SELECT json_array(a, b, episode_number, kind, intimacy, status, recent_events_json) \
         FROM character_relationships ORDER BY a, b, episode_number",
        "SELECT json_array(id, episode_number, memory_type, content_json, importance_level) FROM story_memory ORDER BY id",
        "SELECT json_array(id, title, description, opened_in, resolved_in, resolution) FROM plot_threads ORDER BY id",
        "SELECT json_array(episode_number, title, status, summary, key_events_json, cliffhanger, outcome_json, \
         script_json, recorded_at IS NOT NULL) FROM episodes ORDER BY episode_number",
    ];
    let mut out = Vec::new();
    for q in queries {
        let rows: Vec<String> = sqlx::query_scalar(q).fetch_all(store.pool()).await.unwrap();
        out.extend(rows);
    }
    out
}

#[tokio::test]
async fn migrations_apply_to_an_empty_db_and_are_idempotent() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("sub/aidas.db");
    let s = Store::open(&path).await.unwrap();
    assert_eq!(
        s.schema_version().await.unwrap(),
        Store::latest_known_version()
    );
    assert_eq!(s.journal_mode().await.unwrap(), "wal");
    assert!(s.foreign_keys_enabled().await.unwrap());
    let tables: Vec<String> =
        sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            .fetch_all(s.pool())
            .await
            .unwrap();
    for t in [
        "api_usage",
        "artifacts",
        "channels",
        "character_relationships",
        "character_states",
        "characters",
        "episode_outlines",
        "episodes",
        "job_logs",
        "jobs",
        "plot_threads",
        "series",
        "settings",
        "story_memory",
    ] {
        assert!(tables.contains(&t.to_string()), "missing table {t}");
    }
    s.save_plan(&sample_plan()).await.unwrap();
    s.close().await;
    // Re-opening runs the migrator again: nothing changes, no backup is taken (nothing pending), data survives.
    let s2 = Store::open(&path).await.unwrap();
    assert_eq!(
        s2.schema_version().await.unwrap(),
        Store::latest_known_version()
    );
    assert_eq!(s2.list_series().await.unwrap().len(), 1);
    assert!(!dir.path().join("sub/backups").exists());
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM _sqlx_migrations")
        .fetch_one(s2.pool())
        .await
        .unwrap();
    assert_eq!(
        n as usize,
        std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../migrations"))
            .unwrap()
            .count()
    );
}

#[tokio::test]
async fn an_existing_db_is_backed_up_before_pending_migrations() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidas.db");
    {
        // A database written by something older: a table, no migrations applied.
        let opts = sqlx::sqlite::SqliteConnectOptions::new()
            .filename(&path)
            .create_if_missing(true);
        let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
        sqlx::query("CREATE TABLE legacy (x TEXT)")
            .execute(&pool)
            .await
            .unwrap();
        sqlx::query("INSERT INTO legacy VALUES ('keep me')")
            .execute(&pool)
            .await
            .unwrap();
        pool.close().await;
    }
    let s = Store::open(&path).await.unwrap();
    assert_eq!(
        s.schema_version().await.unwrap(),
        Store::latest_known_version()
    );
    let backups: Vec<PathBuf> = std::fs::read_dir(dir.path().join("backups"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(backups.len(), 1, "{backups:?}");
    let opts = sqlx::sqlite::SqliteConnectOptions::new().filename(&backups[0]);
    let pool = sqlx::SqlitePool::connect_with(opts).await.unwrap();
    let v: String = sqlx::query_scalar("SELECT x FROM legacy")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(v, "keep me");
    let has_series: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM sqlite_master WHERE name = 'series'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(has_series, 0, "the backup is the pre-migration file");
}

#[tokio::test]
async fn the_plan_round_trips() {
    let (_d, s) = with_sample().await;
    let plan = sample_plan();
    let stored = s.plan("first-love").await.unwrap();
    assert_eq!(stored.series, plan.series);
    assert_eq!(stored.characters, plan.characters);
    assert_eq!(stored.outlines, plan.outlines);
    assert_eq!(stored.threads, plan.threads);
    assert_eq!(stored.relationships.len(), plan.relationships.len());
    let eps = s.episodes("first-love").await.unwrap();
    assert_eq!(eps.len(), 16);
    assert!(eps.iter().all(|e| e.status == EpisodeStatus::Planned));
    assert_eq!(eps[0].title, "첫 만남은 최악");
    assert_eq!(
        s.find_series("첫사랑은 처음이라서").await.unwrap().id,
        "first-love"
    );
}

#[tokio::test]
async fn context_for_episode_4_matches_the_hand_checked_world() {
    let (_d, s) = with_sample().await;
    for o in sample_outcomes() {
        s.record_outcome("first-love", &o).await.unwrap();
    }
    let c = s.context_for("first-love", 4).await.unwrap();
    assert_eq!(c.episode_number, 4);
    assert_eq!(c.as_of_episode, 3);
    assert_eq!(c.story_progress_percent, 25);
    assert_eq!(c.outline.as_ref().unwrap().title, "계약");
    assert_eq!(
        c.previous_episodes
            .iter()
            .map(|e| e.episode_number)
            .collect::<Vec<_>>(),
        vec![1, 2, 3]
    );
    assert_eq!(c.previous_episodes[2].key_events.len(), 3);
    assert_eq!(
        c.previous_cliffhanger(),
        Some("차성훈이 수진에게 명함을 건네며 '또 뵙죠'라고 말한다")
    );
    let threads: Vec<&str> = c.open_threads.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(
        threads,
        vec!["T-secret-identity", "T-minjun-trauma", "T-investment"]
    );

    assert_eq!(c.character_states.len(), 12);
    let st = |id: &str| {
        c.character_states
            .iter()
            .find(|x| x.state.character_id == id)
            .unwrap()
    };
    let minjun = st("CHAR001");
    assert_eq!(minjun.name, "강민준");
    assert_eq!(minjun.as_of_episode, 3);
    assert_eq!(minjun.state.emotional_state, "갈등");
    assert_eq!(minjun.state.location, "투자 설명회장");
    assert_eq!(
        minjun.state.active_goals,
        vec![
            "사업 성공",
            "진정한 사랑 찾기",
            "작가님의 정체 확인",
            "투자 유치"
        ]
    );
    let sujin = st("CHAR002");
    assert_eq!(
        (sujin.as_of_episode, sujin.state.emotional_state.as_str()),
        (3, "당황")
    );
    assert_eq!(
        sujin.state.location, "작업실",
        "location carried from episode 2"
    );
    let haneul = st("CHAR004");
    assert_eq!(
        (haneul.as_of_episode, haneul.state.emotional_state.as_str()),
        (1, "흥미진진")
    );
    assert_eq!(st("CHAR007").as_of_episode, 2);
    let mom = st("CHAR008");
    assert_eq!(
        (mom.as_of_episode, mom.state.emotional_state.as_str()),
        (0, "평온")
    );
    assert!(
        c.character_states
            .iter()
            .all(|x| x.state.alive && x.state.present)
    );

    let rel = |a: &str, b: &str| {
        c.relationships
            .iter()
            .find(|r| r.relationship.a == a && r.relationship.b == b)
            .unwrap_or_else(|| panic!("no relationship {a}-{b}"))
    };
    let leads = rel("CHAR001", "CHAR002");
    assert_eq!(
        (
            leads.relationship.kind.as_str(),
            leads.relationship.intimacy,
            leads.relationship.status.as_str()
        ),
        ("악연", 3, "호기심")
    );
    assert_eq!(leads.as_of_episode, 2);
    assert_eq!(
        leads.relationship.recent_events,
        vec!["노트북이 바뀌는 사고", "노트북을 돌려받음"]
    );
    assert_eq!(
        (leads.a_name.as_str(), leads.b_name.as_str()),
        ("강민준", "이수진")
    );
    let rival = rel("CHAR001", "CHAR005");
    assert_eq!((rival.relationship.intimacy, rival.as_of_episode), (2, 3));
    let new = rel("CHAR002", "CHAR005");
    assert_eq!(
        (
            new.relationship.kind.as_str(),
            new.relationship.intimacy,
            new.as_of_episode
        ),
        ("지인", 2, 3)
    );
    assert_eq!(rel("CHAR001", "CHAR007").relationship.intimacy, 4);
    assert_eq!(c.relationships.len(), 12);

    // The same query for episode 2 sees only episode 1.
    let c2 = s.context_for("first-love", 2).await.unwrap();
    assert_eq!(c2.previous_episodes.len(), 1);
    assert_eq!(
        c2.open_threads
            .iter()
            .map(|t| t.id.as_str())
            .collect::<Vec<_>>(),
        vec!["T-secret-identity", "T-minjun-trauma", "T-laptop-swap"]
    );
    assert_eq!(
        c2.character_states
            .iter()
            .find(|x| x.state.character_id == "CHAR001")
            .unwrap()
            .state
            .emotional_state,
        "호기심"
    );
}

#[tokio::test]
async fn rolling_back_episode_2_restores_the_world_as_of_episode_1_exactly() {
    let (_d, s) = with_sample().await;
    let outs = sample_outcomes();
    s.record_outcome("first-love", &outs[0]).await.unwrap();
    let world1 = dump(&s).await;
    let ctx2 = s.context_for("first-love", 2).await.unwrap();
    s.record_outcome("first-love", &outs[1]).await.unwrap();
    s.record_outcome("first-love", &outs[2]).await.unwrap();
    assert_ne!(dump(&s).await, world1);
    // The world as of episode 1 does not depend on what was recorded after it.
    assert_eq!(s.context_for("first-love", 2).await.unwrap(), ctx2);

    let report = s.roll_back("first-love", 2).await.unwrap();
    assert_eq!(report.episodes, vec![2, 3]);
    assert!(report.state_rows > 0 && report.relationship_rows > 0 && report.memory_rows > 0);
    assert_eq!(
        report.threads_removed, 1,
        "T-investment was opened in episode 3"
    );
    assert_eq!(
        report.threads_reopened, 1,
        "T-laptop-swap was resolved in episode 2"
    );
    assert_eq!(dump(&s).await, world1);
    assert_eq!(s.context_for("first-love", 2).await.unwrap(), ctx2);
    assert_eq!(s.recorded_episodes("first-love").await.unwrap(), vec![1]);
    // And the episodes can be written again.
    s.record_outcome("first-love", &outs[1]).await.unwrap();
}

#[tokio::test]
async fn two_connections_writing_concurrently_leave_the_file_intact() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("aidas.db");
    let a = Store::open(&path).await.unwrap();
    let b = Store::open(&path).await.unwrap();
    let mut p1 = sample_plan();
    p1.series.id = "one".into();
    p1.series.title = "하나".into();
    let mut p2 = sample_plan();
    p2.series.id = "two".into();
    p2.series.title = "둘".into();
    a.save_plan(&p1).await.unwrap();
    b.save_plan(&p2).await.unwrap();
    let outs = sample_outcomes();
    let (ra, rb) = tokio::join!(
        async {
            for o in &outs {
                a.record_outcome("one", o).await?;
                for i in 0..20 {
                    a.set_setting(&format!("a.{}.{i}", o.episode_number), &i)
                        .await?;
                }
            }
            Ok::<_, StoreError>(())
        },
        async {
            for o in &outs {
                b.record_outcome("two", o).await?;
                for i in 0..20 {
                    b.set_setting(&format!("b.{}.{i}", o.episode_number), &i)
                        .await?;
                }
            }
            Ok::<_, StoreError>(())
        }
    );
    ra.unwrap();
    rb.unwrap();
    assert_eq!(a.integrity_check().await.unwrap(), "ok");
    assert_eq!(b.recorded_episodes("one").await.unwrap(), vec![1, 2, 3]);
    assert_eq!(a.recorded_episodes("two").await.unwrap(), vec![1, 2, 3]);
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM settings")
        .fetch_one(a.pool())
        .await
        .unwrap();
    assert_eq!(n, 120);
    assert_eq!(
        a.context_for("one", 4).await.unwrap().character_states,
        b.context_for("two", 4).await.unwrap().character_states
    );
}

fn extra_character(id: &str, name: &str) -> Character {
    Character {
        id: id.into(),
        name: name.into(),
        role: "행인".into(),
        importance: Importance::Minor,
        age: None,
        occupation: String::new(),
        personality: vec![],
        background: String::new(),
        goals: vec![],
        secrets: vec![],
        voice_profile: VoiceProfile {
            gender: "male".into(),
            age_group: "adult".into(),
            tone: "neutral".into(),
            speaking_style: "natural".into(),
        },
        appearance_profile: Default::default(),
    }
}

#[tokio::test]
async fn every_bad_input_yields_its_typed_error() {
    let (_d, s) = with_sample().await;
    let outs = sample_outcomes();

    // unknown ids
    assert!(
        matches!(s.context_for("nope", 1).await, Err(StoreError::UnknownSeries(x)) if x == "nope")
    );
    assert!(matches!(
        s.record_outcome("nope", &outs[0]).await,
        Err(StoreError::UnknownSeries(_))
    ));
    assert!(matches!(
        s.roll_back("nope", 1).await,
        Err(StoreError::UnknownSeries(_))
    ));
    let mut bad = outs[0].clone();
    bad.character_developments[0].character = "홍길동".into();
    match s.record_outcome("first-love", &bad).await {
        Err(StoreError::UnknownCharacter { reference, .. }) => assert_eq!(reference, "홍길동"),
        other => panic!("{other:?}"),
    }
    let mut bad = outs[0].clone();
    bad.relationship_changes.push(RelationshipChange {
        a: "CHAR001".into(),
        b: "CHAR099".into(),
        ..Default::default()
    });
    assert!(matches!(
        s.record_outcome("first-love", &bad).await,
        Err(StoreError::UnknownCharacter { .. })
    ));
    let mut bad = outs[0].clone();
    bad.threads_resolved.push(ThreadResolution {
        id: "T-none".into(),
        resolution: String::new(),
    });
    assert!(
        matches!(s.record_outcome("first-love", &bad).await, Err(StoreError::UnknownThread { id, .. }) if id == "T-none")
    );
    // A failed record left nothing behind.
    assert!(s.recorded_episodes("first-love").await.unwrap().is_empty());

    // out-of-range episodes
    for n in [0, 17] {
        assert!(matches!(
            s.context_for("first-love", n).await,
            Err(StoreError::EpisodeOutOfRange { episode, total: 16, .. }) if episode == n
        ));
    }
    let mut far = outs[0].clone();
    far.episode_number = 17;
    assert!(matches!(
        s.record_outcome("first-love", &far).await,
        Err(StoreError::EpisodeOutOfRange { .. })
    ));

    // episodes out of order, then twice
    assert!(matches!(
        s.record_outcome("first-love", &outs[2]).await,
        Err(StoreError::EpisodeGap {
            episode: 3,
            missing: 2,
            ..
        })
    ));
    s.record_outcome("first-love", &outs[0]).await.unwrap();
    assert!(matches!(
        s.record_outcome("first-love", &outs[0]).await,
        Err(StoreError::DuplicateEpisode { episode: 1, .. })
    ));

    // name collisions and duplicates
    assert!(matches!(
        s.add_character("first-love", &extra_character("CHAR013", "강민준")).await,
        Err(StoreError::NameCollision { name, .. }) if name == "강민준"
    ));
    assert!(matches!(
        s.add_character("first-love", &extra_character("CHAR001", "새사람"))
            .await,
        Err(StoreError::DuplicateCharacter { .. })
    ));
    s.add_character("first-love", &extra_character("CHAR013", "새사람"))
        .await
        .unwrap();
    assert!(matches!(
        s.save_plan(&sample_plan()).await,
        Err(StoreError::DuplicateSeries(_))
    ));
    let mut same_title = sample_plan();
    same_title.series.id = "other".into();
    assert!(matches!(
        s.save_plan(&same_title).await,
        Err(StoreError::TitleTaken(_))
    ));
    let mut twins = sample_plan();
    twins.series.id = "twins".into();
    twins.series.title = "쌍둥이".into();
    twins.characters[1].name = twins.characters[0].name.clone();
    match s.save_plan(&twins).await {
        Err(StoreError::InvalidPlan(p)) => assert_eq!(p[0].path, "characters[1].name"),
        other => panic!("{other:?}"),
    }
    assert!(!s.series_exists("twins").await.unwrap());

    // invalid outcome content
    let mut bad = outs[1].clone();
    bad.summary = " ".into();
    assert!(matches!(
        s.record_outcome("first-love", &bad).await,
        Err(StoreError::InvalidOutcome(_))
    ));
    let mut bad = outs[1].clone();
    bad.relationship_changes[0].intimacy = Some(11);
    assert!(matches!(
        s.record_outcome("first-love", &bad).await,
        Err(StoreError::InvalidOutcome(_))
    ));
    let mut bad = outs[1].clone();
    bad.threads_resolved.push(ThreadResolution {
        id: "T-laptop-swap".into(),
        resolution: "x".into(),
    });
    // resolving the same thread twice in one episode
    assert!(matches!(
        s.record_outcome("first-love", &bad).await,
        Err(StoreError::Transition(_))
    ));
    // a dead character cannot be made present
    let mut bad = outs[1].clone();
    bad.character_developments
        .push(studio_domain::CharacterDevelopment {
            character: "CHAR012".into(),
            alive: Some(false),
            ..Default::default()
        });
    bad.character_developments
        .push(studio_domain::CharacterDevelopment {
            character: "CHAR012".into(),
            present: Some(true),
            ..Default::default()
        });
    assert!(matches!(
        s.record_outcome("first-love", &bad).await,
        Err(StoreError::Transition(_))
    ));

    // rollback past a published episode is refused
    s.record_outcome("first-love", &outs[1]).await.unwrap();
    for step in [
        EpisodeStatus::start_production as fn(EpisodeStatus) -> _,
        EpisodeStatus::rendered,
        EpisodeStatus::submit_for_review,
        EpisodeStatus::approve,
    ] {
        s.transition_episode("first-love", 2, step).await.unwrap();
    }
    s.mark_published("first-love", 2, Some("vid123"))
        .await
        .unwrap();
    match s.roll_back("first-love", 1).await {
        Err(StoreError::PublishedLater { published, .. }) => assert_eq!(published, vec![2]),
        other => panic!("{other:?}"),
    }
    assert!(matches!(
        s.mark_published("first-love", 3, None).await,
        Err(StoreError::Transition(_))
    ));
    assert_eq!(s.recorded_episodes("first-love").await.unwrap(), vec![1, 2]);
    for (e, code) in [
        (StoreError::UnknownSeries("x".into()), "unknown_series"),
        (
            StoreError::PublishedLater {
                series: "s".into(),
                episode: 1,
                published: vec![2],
            },
            "published_later",
        ),
    ] {
        assert!(e.is_user_error());
        assert_eq!(e.code(), code);
    }
}

/// Two processes asking for the same alert at once: one wins; the next claim comes after the period.
#[tokio::test]
async fn a_claim_once_per_period_has_one_winner() {
    let (_d, s) = fresh().await;
    let (a, b) = tokio::join!(
        s.claim_once_per("alert.last.disk", 10_000_000, 3_600_000),
        s.claim_once_per("alert.last.disk", 10_000_000, 3_600_000)
    );
    assert_eq!([a.unwrap(), b.unwrap()].iter().filter(|w| **w).count(), 1);
    assert!(
        !s.claim_once_per("alert.last.disk", 13_599_999, 3_600_000)
            .await
            .unwrap()
    );
    assert!(
        s.claim_once_per("alert.last.disk", 13_600_000, 3_600_000)
            .await
            .unwrap()
    );
    // Other keys are their own.
    assert!(
        s.claim_once_per("alert.last.spend", 13_600_000, 3_600_000)
            .await
            .unwrap()
    );
    // The value stays readable as a setting (older data dirs wrote it as a number too).
    let last: Option<i64> = s.setting("alert.last.disk").await.unwrap();
    assert_eq!(last, Some(13_600_000));
}
