//! One command table for every shell: the same command sent over HTTP (`aidas serve`'s router), through the
//! desktop app's IPC routing (`studio_core::api::call`, which the Tauri `call` command is) and run by the CLI with
//! `--json` gives the same reply.

use std::collections::BTreeMap;
use std::sync::Arc;

use serde_json::{Value, json};

use super::{aidas, night_series, ok_json};

#[tokio::test]
async fn the_same_command_gives_the_same_reply_over_http_ipc_and_the_cli() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    night_series(dir);
    ok_json(&aidas(dir, &["--json", "produce", "night", "1"], None, &[]));
    // The CLI first (a process of its own), then the engine the other two shells share.
    let cli_show = ok_json(&aidas(
        dir,
        &["--json", "series", "show", "night"],
        None,
        &[],
    ));
    let cli_jobs = ok_json(&aidas(
        dir,
        &["--json", "jobs", "list", "밤의 목격자"],
        None,
        &[],
    ));
    let engine = Arc::new(
        studio_core::Engine::open(studio_core::EngineOptions {
            data_dir: Some(dir.to_path_buf()),
            env: Some(BTreeMap::from([(
                "AIDAS_SECRETS_BACKEND".to_string(),
                "env".to_string(),
            )])),
            secret_store: None,
        })
        .await
        .unwrap(),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(studio_server::serve(
        engine.clone(),
        listener,
        studio_server::ServeOptions {
            token: None,
            ui_dir: None,
        },
        std::future::pending(),
    ));
    let http = reqwest::Client::new();
    let over_http = |command: &'static str, args: Value| {
        let (http, url) = (http.clone(), url.clone());
        async move {
            let r = http
                .post(format!("{url}/api/{command}"))
                .json(&args)
                .send()
                .await
                .unwrap();
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    };

    let args = json!({ "series": "night" });
    let ipc = studio_core::api::call(&engine, "series_show", args.clone())
        .await
        .unwrap();
    assert_eq!(over_http("series_show", args).await, (200, ipc.clone()));
    assert_eq!(
        cli_show, ipc,
        "the CLI's --json reply is the command's reply"
    );
    assert_eq!(ipc["plan"]["series"]["id"], "night");

    // A series by its title works in every shell (HTTP used to take only the id).
    let args = json!({ "series": "밤의 목격자" });
    let ipc = studio_core::api::call(&engine, "jobs_list", args.clone())
        .await
        .unwrap();
    assert_eq!(over_http("jobs_list", args).await, (200, ipc.clone()));
    assert_eq!(cli_jobs, ipc);
    assert!(
        ipc.as_array().is_some_and(|j| !j.is_empty()),
        "episode 1 is queued: {ipc}"
    );

    // Errors are the same payload too.
    let args = json!({ "series": "nope" });
    let ipc = studio_core::api::call(&engine, "series_show", args.clone())
        .await
        .unwrap_err();
    let (status, body) = over_http("series_show", args).await;
    assert_eq!(status, 400);
    assert_eq!(body, serde_json::to_value(&ipc).unwrap());
    let o = aidas(dir, &["--json", "series", "show", "nope"], None, &[]);
    assert_eq!(o.status.code(), Some(2));
    let cli_err: Value = serde_json::from_slice(&o.stderr).unwrap();
    assert_eq!(cli_err["error"], body);
}
