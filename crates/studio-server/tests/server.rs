//! `aidas serve`'s HTTP surface: the token, the command table's errors, media with Range, nothing but media
//! under /media, and the UI fallback.

use std::collections::BTreeMap;
use std::sync::Arc;

use studio_core::secrets::MemorySecretStore;
use studio_core::{Engine, EngineOptions};

async fn start(token: Option<&str>, ui: Option<std::path::PathBuf>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let engine = Arc::new(
        Engine::open(EngineOptions {
            data_dir: Some(dir.path().to_path_buf()),
            env: Some(BTreeMap::new()),
            secret_store: Some(Box::new(MemorySecretStore::default())),
        })
        .await
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let opts = studio_server::ServeOptions {
        token: token.map(str::to_string),
        ui_dir: ui,
    };
    tokio::spawn(studio_server::serve(
        engine,
        listener,
        opts,
        std::future::pending(),
    ));
    (dir, url)
}

#[tokio::test]
async fn commands_answer_json_and_errors_carry_code_and_message() {
    let (_dir, url) = start(None, None).await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{url}/api/series_list"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        serde_json::json!([])
    );
    let r = c
        .post(format!("{url}/api/series_show"))
        .body(r#"{"series":"nope"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: serde_json::Value = r.json().await.unwrap();
    assert_eq!(e["code"], "unknown_series");
    assert!(e["message"].as_str().unwrap().contains("nope"));
    let r = c
        .post(format!("{url}/api/frobnicate"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    let e: serde_json::Value = r.json().await.unwrap();
    assert!(e["message"].as_str().unwrap().contains("unknown command"));
    let r = c
        .post(format!("{url}/api/series_new"))
        .body(r#"{"title":"","episodes":3}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "bad input is refused with a message");
    let r = c
        .post(format!("{url}/api/series_show"))
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400);
    // Keys: the value goes in, only "configured" comes back.
    let r = c
        .post(format!("{url}/api/secret_set"))
        .body(r#"{"provider":"fal","value":"fal-secret-123"}"#)
        .send()
        .await
        .unwrap();
    let text = r.text().await.unwrap();
    assert!(
        text.contains("\"configured\":true") && !text.contains("fal-secret-123"),
        "{text}"
    );
}

#[tokio::test]
async fn a_token_is_required_when_set() {
    let (_dir, url) = start(Some("s3cret"), None).await;
    let c = reqwest::Client::new();
    let r = c
        .post(format!("{url}/api/series_list"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 401);
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["code"],
        "unauthorized"
    );
    let r = c
        .post(format!("{url}/api/series_list"))
        .bearer_auth("s3cret")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 200);
    let r = c
        .post(format!("{url}/api/series_list?token=s3cret"))
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.status(),
        200,
        "browsers pass it in the query (WebSocket, <video>)"
    );
}

#[tokio::test]
async fn media_is_served_with_range_and_nothing_else_is() {
    let ui = tempfile::tempdir().unwrap();
    std::fs::write(
        ui.path().join("index.html"),
        "<!doctype html><title>ui</title>",
    )
    .unwrap();
    let (dir, url) = start(None, Some(ui.path().to_path_buf())).await;
    let ep = dir.path().join("series/s1/ep001");
    std::fs::create_dir_all(&ep).unwrap();
    let bytes: Vec<u8> = (0..10_000u32).map(|i| (i % 251) as u8).collect();
    std::fs::write(ep.join("episode.mp4"), &bytes).unwrap();
    let c = reqwest::Client::new();
    let r = c
        .get(format!("{url}/media/series/s1/ep001/episode.mp4"))
        .header("Range", "bytes=100-199")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 206);
    assert_eq!(
        r.headers()["content-range"].to_str().unwrap(),
        "bytes 100-199/10000"
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &bytes[100..200]);
    // The database and the config are not media.
    for p in ["aidas.db", "config.toml", "series/../aidas.db"] {
        let r = c.get(format!("{url}/media/{p}")).send().await.unwrap();
        let body = r.bytes().await.unwrap();
        assert!(
            !body.starts_with(b"SQLite format"),
            "{p} must not be served"
        );
    }
    // Anything else is the UI (client-side routes fall back to index.html).
    let r = c.get(format!("{url}/review")).send().await.unwrap();
    assert!(r.text().await.unwrap().contains("<title>ui</title>"));
}
