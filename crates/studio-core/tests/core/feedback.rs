//! Viewer feedback against the YouTube mock: two pages of Korean comments naming characters by name, given name and
//! nickname, replies beyond the inline five, the channel's own reply left out, handles removed; a scheduled video
//! skipped until it is public, then one with comments off; Analytics totals and a retention dip mapped to its
//! scene; the offline reading and a writer's reading (mock LLM); outline changes within the plan's bounds,
//! accepted, rolled back, with the story memory checked each time; the day's feedback units running out and the
//! collection going on after the reset.

use studio_core::feedback::{OutlineDecision, SkipReason};
use studio_core::secrets::SecretStore;
use studio_core::{Engine, Secret};
use studio_testkit::YouTubeMock;
use studio_testkit::youtube::{MockComment, MockVideo};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

use super::publishing::{Shared, far, fixture_with, open, stop, tokens, write_config};

fn comment(
    id: &str,
    parent: Option<&str>,
    author: &str,
    text: &str,
    likes: i64,
    minute: u32,
) -> MockComment {
    MockComment {
        id: id.into(),
        parent: parent.map(str::to_string),
        author_channel: author.into(),
        author_name: format!("@viewer{author}"),
        text: text.into(),
        likes,
        published_at: format!("2026-11-30T{:02}:{:02}:00Z", 10 + minute / 60, minute % 60),
    }
}

/// An OpenAI-compatible writer that reads every numbered comment: positive, the character whose given name it
/// contains, "케미" loved (and a phrase outside the vocabulary, which is dropped).
struct Reader {
    given: String,
    id: String,
}

impl Respond for Reader {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let body: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
        let user = body["messages"]
            .as_array()
            .and_then(|m| m.iter().find(|m| m["role"] == "user"))
            .and_then(|m| m["content"].as_str())
            .unwrap_or("")
            .to_string();
        let readings: Vec<serde_json::Value> = user
            .lines()
            .filter_map(|l| {
                let (i, text) = l.strip_prefix('[')?.split_once("] ")?;
                let i: i64 = i.parse().ok()?;
                let chars: Vec<&str> = if text.contains(&self.given) {
                    vec![&self.id]
                } else {
                    vec![]
                };
                Some(
                    serde_json::json!({"i": i, "sentiment": "positive", "characters": chars,
                    "loved": ["케미", "감독의 혼"], "disliked": [], "suggestion": null}),
                )
            })
            .collect();
        ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "model": "gpt-4o-2024-08-06",
            "choices": [{"finish_reason": "stop", "message": {"role": "assistant",
                "content": serde_json::json!({"readings": readings}).to_string()}}],
            "usage": {"prompt_tokens": 900, "completion_tokens": 300}
        }))
    }
}

async fn reopen(
    dir: &std::path::Path,
    mock: &YouTubeMock,
    keys: &Shared,
    extra: &[(&str, String)],
) -> Engine {
    open(dir, mock, keys, extra).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn viewer_feedback_is_collected_read_and_steers_the_next_outline() {
    let mock = YouTubeMock::start().await;
    let dir = tempfile::tempdir().unwrap();
    let config = "[feedback]\nmax_comments = 25\nevery_hours = 0\n[feedback.aliases]\nCHAR002 = [\"철벽남\"]\n";
    write_config(dir.path(), config);
    let keys = Shared::default();
    keys.set("youtube_channel:UCtest", &tokens("at-1", "rt-1", far()))
        .unwrap();
    let e = open(dir.path(), &mock, &keys, &[]).await;

    // Nothing published yet: the collection says what to do first.
    let err = e.collect_feedback("up").await.unwrap_err();
    assert_eq!(err.code(), "unknown_series");
    fixture_with(&e, &[1, 2], "설명", true).await;
    let err = e.collect_feedback("up").await.unwrap_err();
    assert_eq!(err.code(), "step_missing", "{err}");
    e.publish_youtube("up", 1, "UCtest", stop()).await.unwrap();
    e.publish_youtube("up", 2, "UCtest", stop()).await.unwrap();

    let cast = e.store().characters("up").await.unwrap();
    let (a, b) = (&cast[0], &cast[1]);
    let given: String = b.name.chars().skip(b.name.chars().count() - 2).collect();
    // The real length of the video: the timeline plus the outro (4 s), as YouTube would report it.
    let tl = e.review_timeline("up", 1).await.unwrap();
    let video_sec = (tl.total_sec + 4.0).round();
    let scene2 = tl.scenes.iter().find(|s| s.number == 2).unwrap().clone();
    let dip_at = (scene2.start_sec + scene2.end_sec) / 2.0;

    let mut tops = Vec::new();
    let mut k = 0u32;
    let mut add = |text: String, likes: i64, tops: &mut Vec<MockComment>| {
        k += 1;
        tops.push(comment(
            &format!("t{k:02}"),
            None,
            &format!("UCv{k}"),
            &text,
            likes,
            k,
        ));
    };
    for i in 0..10 {
        let t = match i % 3 {
            0 => format!("{} 너무 멋있다 최고", b.name),
            1 => format!("{given}아 사랑해 ㅠㅠ"),
            _ => "철벽남 설렌다 진짜".to_string(),
        };
        add(t, 20 - i, &mut tops);
    }
    for _ in 0..4 {
        add("반전 대박 소름".into(), 5, &mut tops);
    }
    for _ in 0..3 {
        add("전개가 너무 느려요".into(), 2, &mut tops);
    }
    for _ in 0..3 {
        add(format!("{} 답답해요 고구마", a.name), 1, &mut tops);
    }
    for _ in 0..4 {
        add("빨리 다음화 주세요".into(), 3, &mut tops);
    }
    for _ in 0..6 {
        add("@someone 오늘 몇시에 올라와요".into(), 0, &mut tops);
    }
    assert_eq!(tops.len(), 30);
    // The same viewer writes two of the "반전" comments.
    tops[11].author_channel = tops[10].author_channel.clone();
    // The oldest thread has seven viewer replies (five come inline) and one from the channel itself.
    let oldest = tops[0].id.clone();
    let mut replies: Vec<MockComment> = (0..7)
        .map(|r| {
            comment(
                &format!("{oldest}.r{r}"),
                Some(&oldest),
                &format!("UCr{r}"),
                &format!("ㅇㅈ {given}아 최고"),
                0,
                200 + r,
            )
        })
        .collect();
    replies.push(comment(
        &format!("{oldest}.own"),
        Some(&oldest),
        "UCtest",
        "감사합니다! 다음 화도 기대해 주세요",
        4,
        300,
    ));

    let duration = format!("PT{}M{}S", video_sec as u64 / 60, video_sec as u64 % 60);
    let retention: Vec<(f64, f64, f64)> = (1..=100)
        .map(|i| {
            let t = video_sec * f64::from(i) / 100.0;
            let w = if t < dip_at {
                0.95 - t * 0.0005
            } else {
                0.55 - t * 0.0005
            };
            (f64::from(i) / 100.0, w, 0.45)
        })
        .collect();
    mock.with(|s| {
        let a = &mut s.audience;
        a.page_cap = Some(20);
        a.analytics_granted = true;
        a.channel = (Some(340), 5000, 2);
        a.videos.insert(
            "vid0".into(),
            MockVideo {
                privacy: "public".into(),
                publish_at: None,
                published_at: "2026-11-30T10:00:00Z".into(),
                duration: duration.clone(),
                views: 1200,
                likes: 80,
                comments: Some(38),
            },
        );
        // Episode 2 is scheduled: private until its publish time.
        a.videos.insert(
            "vid1".into(),
            MockVideo {
                privacy: "private".into(),
                publish_at: Some("2099-01-01T10:00:00Z".into()),
                published_at: "2026-11-30T11:00:00Z".into(),
                duration: duration.clone(),
                views: 0,
                likes: 0,
                comments: Some(0),
            },
        );
        let mut all = tops.clone();
        all.extend(replies.clone());
        a.comments.insert("vid0".into(), all);
        a.reports
            .insert("vid0".into(), (1200, 3000.0, 95.0, 55.0, 12));
        a.retention.insert("vid0".into(), retention);
        // One 503 on the way: retried, not a failure.
        a.faults.push_back(503);
    });

    // First collection: two pages of newest comments up to the cap of 25; replies beyond the inline five.
    let c1 = e.collect_feedback("up").await.unwrap();
    assert_eq!(c1.analytics, "granted");
    assert!(c1.waiting_until_ms.is_none(), "{c1:?}");
    let ep1 = c1.episodes.iter().find(|x| x.episode == 1).unwrap();
    assert!(
        ep1.more_to_read,
        "the cap left older comments for next time"
    );
    let ep2 = c1.episodes.iter().find(|x| x.episode == 2).unwrap();
    let public_at = studio_core::clock::parse_rfc3339_utc("2099-01-01T10:00:00Z");
    assert_eq!(
        ep2.skipped,
        Some(SkipReason::NotPublicYet {
            public_at_ms: public_at
        }),
        "a scheduled video is not read until it is public"
    );
    let stored = e.store().episode_comments("up", 1).await.unwrap();
    let stored_tops = stored.iter().filter(|c| c.parent_id.is_none()).count();
    assert_eq!(stored_tops, 25);
    let (threads, reads_units) = mock.with(|s| {
        let r = &s.audience.reads;
        (
            r.iter()
                .filter(|q| q.starts_with("/youtube/v3/commentThreads"))
                .count(),
            r.iter().filter(|q| q.starts_with("/youtube/v3/")).count(),
        )
    });
    assert_eq!(threads, 2, "the pages of 20 and 5");
    // Every Data API request is one unit, the one that met a 503 and was retried too.
    assert_eq!(c1.units as usize, reads_units, "{c1:?}");

    // New comments arrive; episode 2 goes public with comments off; Analytics access is withdrawn.
    mock.with(|s| {
        let a = &mut s.audience;
        let list = a.comments.get_mut("vid0").unwrap();
        list.push(comment(
            "n1",
            None,
            "UCn1",
            &format!("{given}아 오늘도 최고"),
            9,
            400,
        ));
        list.push(comment("n2", None, "UCn2", "반전 미쳤다", 4, 401));
        let v = a.videos.get_mut("vid1").unwrap();
        v.privacy = "public".into();
        v.publish_at = None;
        v.comments = None;
        a.comments_disabled.insert("vid1".into());
        a.analytics_granted = false;
        a.reads.clear();
    });
    let c2 = e.collect_feedback("up").await.unwrap();
    assert_eq!(c2.analytics, "not_granted");
    let ep1 = c2.episodes.iter().find(|x| x.episode == 1).unwrap();
    assert!(!ep1.more_to_read, "{ep1:?}");
    assert_eq!(
        ep1.new_comments,
        2 + 5 + 8,
        "two new, the five older threads the cap had left, and the oldest thread's eight replies"
    );
    let ep2 = c2.episodes.iter().find(|x| x.episode == 2).unwrap();
    assert_eq!(ep2.skipped, Some(SkipReason::CommentsOff));
    let threads = mock.with(|s| {
        s.audience
            .reads
            .iter()
            .filter(|q| q.starts_with("/youtube/v3/commentThreads"))
            .count()
    });
    assert_eq!(
        threads, 3,
        "the new page stops at a known comment; one older page; episode 2 refused"
    );
    let stored = e.store().episode_comments("up", 1).await.unwrap();
    assert_eq!(stored.iter().filter(|c| c.parent_id.is_none()).count(), 32);
    assert_eq!(
        stored.iter().filter(|c| c.parent_id.is_some()).count(),
        7,
        "the channel's own reply is not feedback"
    );
    // No names: handles removed, authors are keyed hashes of the channel ids.
    assert!(stored.iter().all(|c| !c.text.contains("someone")));
    assert!(stored.iter().any(|c| c.text.starts_with("@… 오늘")));
    assert!(
        stored
            .iter()
            .all(|c| c.author_key.len() == 16 && !c.author_key.contains("UC"))
    );
    let q = e.youtube_quota().await.unwrap();
    assert_eq!(q.exhausted, 0);

    // The offline reading.
    let reports = e.analyse_feedback("up").await.unwrap();
    let r1 = reports.iter().find(|r| r.episode == 1).unwrap();
    assert!(r1.offline && r1.analyser == "offline");
    assert_eq!(r1.comments, 39);
    // 32 threads and 7 replies; one viewer wrote two of the threads.
    assert_eq!(r1.viewers, 38);
    assert_eq!(r1.characters[0].id, b.id, "{:?}", r1.characters);
    assert_eq!(
        r1.characters[0].comments,
        10 + 7 + 1,
        "name, given name and nickname; replies too"
    );
    let ra = r1.characters.iter().find(|c| c.id == a.id).unwrap();
    assert_eq!((ra.comments, ra.negative), (3, 3));
    assert!(r1.sentiment.positive > r1.sentiment.negative);
    assert_eq!(
        r1.loved
            .iter()
            .find(|t| t.phrase == "반전")
            .map(|t| t.comments),
        Some(5)
    );
    assert_eq!(
        r1.disliked
            .iter()
            .find(|t| t.phrase == "전개 속도")
            .map(|t| t.comments),
        Some(3)
    );
    assert!(r1.suggestions.iter().any(|t| t.phrase.contains("다음화")));
    let m = r1
        .retention
        .as_ref()
        .expect("the curve of the first collection is kept");
    assert_eq!(m.leaves.first(), Some(&2), "{:?}", m.parts);
    let outro = m.parts.last().unwrap();
    assert_eq!(outro.kind, "outro");
    assert!(
        (outro.end_sec - video_sec).abs() < 1e-6 && (outro.start_sec - tl.total_sec).abs() < 1e-6
    );
    let r2 = reports.iter().find(|r| r.episode == 2).unwrap();
    assert_eq!(r2.comments, 0);

    // Proposals: only episode 3 may change (1 and 2 are written, 4 is the finale).
    let before = e.store().outlines("up").await.unwrap();
    let changes = e.propose_outline_changes("up").await.unwrap();
    assert_eq!(changes.len(), 1, "{changes:?}");
    let ch = &changes[0];
    assert_eq!((ch.episode, ch.state.as_str()), (3, "pending"));
    assert!(
        ch.reasons.iter().any(|r| r.kind == "pacing"),
        "{:?}",
        ch.reasons
    );
    assert!(ch.reasons.iter().any(|r| r.kind == "emphasis"));
    assert_eq!(ch.from_episodes, vec![1, 2]);
    assert_eq!(
        e.store().outlines("up").await.unwrap(),
        before,
        "proposing changes nothing"
    );

    let v = e
        .decide_outline_change("up", ch.id, OutlineDecision::Accept)
        .await
        .unwrap();
    assert_eq!(
        (v.state.as_str(), v.decided_by.as_deref()),
        ("accepted", Some("creator"))
    );
    let after = e.store().outlines("up").await.unwrap();
    let (o3b, o3a) = (&before[2], &after[2]);
    assert_eq!(
        (&o3a.main_event, &o3a.cliffhanger, &o3a.hook, o3a.arc_phase),
        (&o3b.main_event, &o3b.cliffhanger, &o3b.hook, o3b.arc_phase)
    );
    assert!(o3a.sub_events.len() > o3b.sub_events.len());
    assert!(o3a.sub_events.iter().any(|s| s.contains("전개를 빠르게")));
    assert_eq!(&after[3], &before[3], "the finale stays");
    let again = e
        .decide_outline_change("up", ch.id, OutlineDecision::Reject)
        .await
        .unwrap_err();
    assert_eq!(again.code(), "invalid_input");

    let v = e
        .decide_outline_change("up", ch.id, OutlineDecision::RollBack)
        .await
        .unwrap();
    assert_eq!(v.state, "rolled_back");
    assert_eq!(
        e.store().outlines("up").await.unwrap(),
        before,
        "the outline reads as before"
    );
    assert!(
        e.decide_outline_change("up", ch.id, OutlineDecision::RollBack)
            .await
            .is_err()
    );

    // The background service under the unattended policy: due after `every_hours`, it collects the new comment,
    // reads, proposes and applies within the bounds; not due again within the hour.
    mock.with(|s| {
        let list = s.audience.comments.get_mut("vid0").unwrap();
        list.push(comment("n0", None, "UCn0", "전개 너무 느려요", 1, 450));
    });
    write_config(
        dir.path(),
        &format!(
            "{}[production]\nreview = \"never\"\n",
            config.replace("every_hours = 0", "every_hours = 1")
        ),
    );
    let later = reopen(
        dir.path(),
        &mock,
        &keys,
        &[("AIDAS_CLOCK_OFFSET_MS", "7200000".into())],
    )
    .await;
    assert_eq!(later.feedback_pass().await.unwrap(), vec!["up".to_string()]);
    let auto = later.outline_changes("up").await.unwrap();
    let applied = auto
        .iter()
        .find(|c| c.state == "accepted")
        .expect("applied unattended");
    assert_eq!(
        (applied.episode, applied.decided_by.as_deref()),
        (3, Some("unattended"))
    );
    assert_ne!(later.store().outlines("up").await.unwrap()[2], before[2]);
    assert!(
        later.feedback_pass().await.unwrap().is_empty(),
        "not due again within the hour"
    );
    later
        .decide_outline_change("up", applied.id, OutlineDecision::RollBack)
        .await
        .unwrap();
    assert_eq!(later.store().outlines("up").await.unwrap(), before);
    write_config(dir.path(), config);

    // A change whose episode was written meanwhile is closed, nothing written.
    let ch = e.propose_outline_changes("up").await.unwrap().remove(0);
    e.write_episode("up", 3, Some("offline")).await.unwrap();
    let written = e.store().outlines("up").await.unwrap();
    let err = e
        .decide_outline_change("up", ch.id, OutlineDecision::Accept)
        .await
        .unwrap_err();
    assert_eq!(err.code(), "episode_closed", "{err}");
    assert_eq!(e.store().outlines("up").await.unwrap(), written);

    // The writer's reading (an OpenAI-compatible mock), recorded in the ledger.
    let llm = MockServer::start().await;
    Mock::given(wiremock::matchers::path("/chat/completions"))
        .respond_with(Reader {
            given: given.clone(),
            id: b.id.clone(),
        })
        .mount(&llm)
        .await;
    write_config(
        dir.path(),
        &format!("{config}[writer]\ndefault = \"openai\"\n"),
    );
    keys.set("openai", &Secret::new("sk-test".to_string()))
        .unwrap();
    let e = reopen(
        dir.path(),
        &mock,
        &keys,
        &[("AIDAS_OPENAI_BASE_URL", llm.uri())],
    )
    .await;
    let reports = e.analyse_feedback("up").await.unwrap();
    let r1 = reports.iter().find(|r| r.episode == 1).unwrap();
    assert!(
        !r1.offline && r1.analyser.starts_with("openai:"),
        "{}",
        r1.analyser
    );
    assert_eq!(r1.sentiment.positive, 40);
    assert_eq!(
        (r1.loved[0].phrase.as_str(), r1.loved[0].comments),
        ("케미", 40)
    );
    assert!(
        r1.loved.iter().all(|t| t.phrase != "감독의 혼"),
        "free words never become elements"
    );
    // Read once per writer: analysing again sends nothing new.
    e.analyse_feedback("up").await.unwrap();
    assert_eq!(llm.received_requests().await.unwrap().len(), 1);
    assert_eq!(r1.characters[0].id, b.id);
    let view = e.feedback_view("up").await.unwrap();
    assert_eq!(view.episodes[0].views, Some(1200));
    assert_eq!(
        view.episodes[0].minutes_watched,
        Some(3000.0),
        "the Analytics numbers of the first collection"
    );
    assert_eq!(view.channel.last().and_then(|c| c.subscribers), Some(340));
    assert!(view.episodes[0].report.as_ref().is_some_and(|r| !r.offline));

    // The day's feedback units run out: the collection stops, keeps what it read, and goes on after the reset.
    write_config(
        dir.path(),
        &config.replace("every_hours = 0", "every_hours = 0\ndaily_units = 1"),
    );
    let e = reopen(dir.path(), &mock, &keys, &[]).await;
    mock.with(|s| {
        let list = s.audience.comments.get_mut("vid0").unwrap();
        list.push(comment("n3", None, "UCn3", "최고", 1, 500));
    });
    let c3 = e.collect_feedback("up").await.unwrap();
    let until = c3.waiting_until_ms.expect("waits for the reset");
    assert!(until > studio_core::clock::now_ms());
    assert_eq!(
        e.youtube_quota().await.unwrap().exhausted,
        0,
        "uploads keep their units"
    );
    assert_eq!(
        e.store().episode_comments("up", 1).await.unwrap().len(),
        40,
        "nothing lost, nothing new yet"
    );
    assert_eq!(
        e.feedback_view("up").await.unwrap().waiting_until_ms,
        Some(until)
    );
    write_config(dir.path(), config);
    // A day after the reset waited for: later than the unattended pass above, which ran two hours ahead and may
    // have spent units on the day that starts at that reset (when this test runs in the hour before it).
    let next_day = (until - studio_core::clock::now_ms() + 25 * 3_600_000).to_string();
    let e = reopen(
        dir.path(),
        &mock,
        &keys,
        &[("AIDAS_CLOCK_OFFSET_MS", next_day)],
    )
    .await;
    assert_eq!(
        e.feedback_view("up").await.unwrap().units_today,
        0,
        "a new day"
    );
    let c4 = e.collect_feedback("up").await.unwrap();
    assert!(c4.waiting_until_ms.is_none(), "{c4:?}");
    assert_eq!(e.store().episode_comments("up", 1).await.unwrap().len(), 41);

    // The creator names a nickname on the Viewers screen: the next reading counts it.
    let c = &cast[2];
    let err = e
        .set_character_aliases("up", &c.id, vec![a.name.clone()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "invalid_input", "another character's name");
    let err = e
        .set_character_aliases("up", "nobody", vec!["x".into()])
        .await
        .unwrap_err();
    assert_eq!(err.code(), "unknown_character");
    let view = e
        .set_character_aliases("up", &c.name, vec![" 소름 ".into(), "소름".into()])
        .await
        .unwrap();
    let row = view.iter().find(|x| x.id == c.id).unwrap();
    assert_eq!(row.aliases, vec!["소름"]);
    let b_row = view.iter().find(|x| x.id == b.id).unwrap();
    assert_eq!(
        b_row.configured,
        vec!["철벽남"],
        "the config's nicknames are shown beside"
    );
    let reports = e.analyse_feedback("up").await.unwrap();
    let r1 = reports.iter().find(|r| r.episode == 1).unwrap();
    let rc = r1.characters.iter().find(|x| x.id == c.id).unwrap();
    assert_eq!(rc.comments, 4, "the four comments with 소름");
}
