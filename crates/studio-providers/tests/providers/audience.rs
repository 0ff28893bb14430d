//! The feedback reads against the YouTube mock: comment pages and their tokens, replies by parent, statistics read
//! from strings, hidden subscriber counts, Analytics tables, and each refusal classified the way the engine needs it.

use studio_providers::youtube::{YouTube, YtError};
use studio_testkit::YouTubeMock;
use studio_testkit::youtube::{MockComment, MockVideo};

fn client(mock: &YouTubeMock) -> YouTube {
    let u = mock.uri();
    YouTube::new(
        &format!("{u}/youtube/v3"),
        &format!("{u}/upload/youtube/v3"),
    )
    .with_analytics_base(&format!("{u}/v2"))
}

fn c(id: &str, parent: Option<&str>, minute: u32) -> MockComment {
    MockComment {
        id: id.into(),
        parent: parent.map(str::to_string),
        author_channel: format!("UC{id}"),
        author_name: "@name".into(),
        text: format!("댓글 {id}"),
        likes: 1,
        published_at: format!("2026-11-30T10:{minute:02}:00Z"),
    }
}

#[tokio::test]
async fn comments_page_newest_first_with_replies_and_statistics_as_strings() {
    let mock = YouTubeMock::start().await;
    mock.with(|s| {
        let a = &mut s.audience;
        let mut list: Vec<MockComment> = (0..7).map(|i| c(&format!("t{i}"), None, i)).collect();
        list.extend((0..6).map(|r| c(&format!("t0.r{r}"), Some("t0"), 30 + r)));
        a.comments.insert("v1".into(), list);
        a.videos.insert(
            "v1".into(),
            MockVideo {
                privacy: "public".into(),
                published_at: "2026-11-30T10:00:00Z".into(),
                duration: "PT1M30S".into(),
                views: 12,
                likes: 3,
                comments: Some(13),
                publish_at: None,
            },
        );
        a.channel = (None, 99, 1);
    });
    let yt = client(&mock);
    let p1 = yt.comment_threads("at-1", "v1", None, 5).await.unwrap();
    let tops: Vec<&str> = p1
        .comments
        .iter()
        .filter(|c| c.parent_id.is_none())
        .map(|c| c.id.as_str())
        .collect();
    assert_eq!(tops, ["t6", "t5", "t4", "t3", "t2"], "newest first");
    let p2 = yt
        .comment_threads("at-1", "v1", p1.next_page_token.as_deref(), 5)
        .await
        .unwrap();
    assert!(p2.next_page_token.is_none());
    let oldest = p2.comments.iter().find(|c| c.id == "t0").unwrap();
    assert_eq!(oldest.total_reply_count, 6);
    assert_eq!(
        p2.comments
            .iter()
            .filter(|c| c.parent_id.as_deref() == Some("t0"))
            .count(),
        5,
        "five inline"
    );
    let replies = yt.comment_replies("at-1", "t0", None).await.unwrap();
    assert_eq!(replies.comments.len(), 6);
    let f = yt
        .video_facts("at-1", &["v1".into(), "gone".into()])
        .await
        .unwrap();
    assert_eq!(
        f.len(),
        1,
        "a video YouTube does not know is absent, not zero"
    );
    assert_eq!(
        (f[0].views, f[0].comments, f[0].duration_sec),
        (Some(12), Some(13), Some(90.0))
    );
    let ch = yt.channel_facts("at-1").await.unwrap();
    assert_eq!(
        (ch.subscribers, ch.views),
        (None, Some(99)),
        "a hidden count stays unknown"
    );
}

#[tokio::test]
async fn refusals_are_told_apart() {
    let mock = YouTubeMock::start().await;
    mock.with(|s| {
        let a = &mut s.audience;
        a.videos.insert(
            "off".into(),
            MockVideo {
                privacy: "public".into(),
                ..Default::default()
            },
        );
        a.comments_disabled.insert("off".into());
        a.faults.push_back(429);
        a.faults.push_back(403);
    });
    let yt = client(&mock);
    let e = yt
        .comment_threads("at-1", "off", None, 20)
        .await
        .unwrap_err();
    assert!(e.is_transient(), "429 is retried: {e:?}");
    let e = yt
        .comment_threads("at-1", "off", None, 20)
        .await
        .unwrap_err();
    assert!(matches!(e, YtError::QuotaExceeded(_)), "{e:?}");
    let e = yt
        .comment_threads("at-1", "off", None, 20)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "commentsDisabled");
    let e = yt
        .comment_threads("at-1", "nope", None, 20)
        .await
        .unwrap_err();
    assert_eq!(e.reason(), "videoNotFound");
    // Analytics without its scope, then its own quota, then a report and a curve.
    let e = yt
        .video_report("at-1", "off", "2026-11-30", "2026-12-01")
        .await
        .unwrap_err();
    assert!(e.is_missing_scope(), "{e:?}");
    mock.with(|s| {
        s.audience.analytics_granted = true;
        s.audience.analytics_quota_exceeded = true;
    });
    let e = yt
        .retention("at-1", "off", "2026-11-30", "2026-12-01")
        .await
        .unwrap_err();
    assert!(matches!(e, YtError::QuotaExceeded(_)) && !e.is_missing_scope());
    mock.with(|s| {
        s.audience.analytics_quota_exceeded = false;
        s.audience
            .reports
            .insert("off".into(), (10, 7.5, 45.0, 50.0, 2));
        s.audience.retention.insert(
            "off".into(),
            vec![(0.5, 0.9, 0.4), (1.0, 0.4, 0.6), (1.0, 0.4, 0.6)],
        );
    });
    let r = yt
        .video_report("at-1", "off", "2026-11-30", "2026-12-01")
        .await
        .unwrap()
        .unwrap();
    assert_eq!((r.views, r.subscribers_gained), (10, 2));
    assert!(
        yt.video_report("at-1", "nope", "2026-11-30", "2026-12-01")
            .await
            .unwrap()
            .is_none(),
        "no row yet"
    );
    let curve = yt
        .retention("at-1", "off", "2026-11-30", "2026-12-01")
        .await
        .unwrap();
    assert_eq!(curve.len(), 2, "a repeated interval is read once");
    assert_eq!(curve[1].relative, Some(0.6));
}
