//! The OpenAI-compatible and Anthropic writers through the stage, against wiremock servers: happy path, broken
//! JSON then a valid retry, a schema-valid script with an unknown speaker (caught and regenerated), refusal,
//! truncation, both kinds of 429, 5xx then success. Request bodies are asserted as well as outcomes.

use std::time::Duration;

use serde_json::{Value, json};
use studio_domain::{EpisodeScript, EpisodeStatus, Genre};
use studio_pipeline::writer::{PlanCall, ScriptCall, Writer};
use studio_pipeline::{CheckConfig, Pricing, ScriptStage, Verdict, prompts};
use studio_providers::{AnthropicWriter, OpenAiWriter, RetryPolicy, TemplateWriter};
use studio_store::Store;
use wiremock::matchers::{body_string_contains, header, method, path};
use wiremock::{Mock, MockServer, Request, ResponseTemplate};

use crate::offline::request;

fn fast() -> RetryPolicy {
    RetryPolicy {
        max_retries: 3,
        base_backoff: Duration::from_millis(1),
        max_wait: Duration::from_secs(2),
        timeout: Duration::from_secs(10),
    }
}

/// A store with an offline-planned romance and a valid episode-1 script for it (what a good LLM would return).
async fn setup() -> (tempfile::TempDir, Store, EpisodeScript) {
    let d = tempfile::tempdir().unwrap();
    let s = Store::open(&d.path().join("t.db")).await.unwrap();
    let pricing = Pricing::bundled();
    let w = TemplateWriter;
    let stage = ScriptStage {
        writer: &w,
        store: &s,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    let plan = stage
        .plan_series(request(Genre::Romance, "rom", 16))
        .await
        .unwrap()
        .plan;
    s.save_plan(&plan).await.unwrap();
    let ctx = s.context_for("rom", 1).await.unwrap();
    let characters = s.characters("rom").await.unwrap();
    let call = ScriptCall {
        prompt: prompts::script_prompt(&ctx, &characters, &CheckConfig::default(), &[]),
        context: ctx,
        characters,
        plan,
        feedback: vec![],
        attempt: 1,
        seed: 1,
    };
    let mut script: EpisodeScript =
        serde_json::from_str(&w.write_script(&call).await.unwrap().text).unwrap();
    script.written_by = String::new();
    (d, s, script)
}

fn openai_ok(content: &str, finish: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-4o-2024-08-06",
        "choices": [{ "index": 0, "message": { "role": "assistant", "content": content, "refusal": null }, "finish_reason": finish }],
        "usage": { "prompt_tokens": 1200, "completion_tokens": 3400, "total_tokens": 4600 }
    }))
}

fn openai_err(status: u16, kind: &str, code: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(json!({ "error": { "message": format!("{kind} happened"), "type": kind, "param": null, "code": code } }))
}

fn no_issues() -> String {
    json!({ "continuity_issues": [], "severity": "none" }).to_string()
}

async fn script_requests(server: &MockServer, marker: &str) -> Vec<Value> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .map(|r: &Request| serde_json::from_slice::<Value>(&r.body).unwrap())
        .filter(|b| b.to_string().contains(marker))
        .collect()
}

fn openai(server: &MockServer) -> OpenAiWriter {
    let mut w = OpenAiWriter::new(
        &format!("{}/v1", server.uri()),
        Some("sk-test".into()),
        "gpt-4o-2024-08-06",
    )
    .with_policy(fast());
    w.llm_continuity_check = true;
    w
}

/// Mounts the continuity-check answer (no issues) for every check call.
async fn mount_openai_check(server: &MockServer) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_string_contains("continuity_check"))
        .respond_with(openai_ok(&no_issues(), "stop"))
        .with_priority(1)
        .mount(server)
        .await;
}

/// Mounts `first` once for the script call, then `then` for every later script call.
async fn mount_openai_script(server: &MockServer, first: ResponseTemplate, then: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_string_contains("\"name\":\"episode_script\""))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .and(body_string_contains("\"name\":\"episode_script\""))
        .respond_with(then)
        .with_priority(3)
        .mount(server)
        .await;
}

async fn run(store: &Store, w: &dyn Writer) -> studio_pipeline::ScriptResult {
    let pricing = Pricing::bundled();
    let stage = ScriptStage {
        writer: w,
        store,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    stage.write_episode("rom", 1).await.unwrap()
}

#[tokio::test]
async fn openai_happy_path_sends_a_strict_schema_and_records_cost() {
    let (_d, store, good) = setup().await;
    let server = MockServer::start().await;
    mount_openai_check(&server).await;
    let body = serde_json::to_string(&good).unwrap();
    mount_openai_script(&server, openai_ok(&body, "stop"), openai_ok(&body, "stop")).await;
    let r = run(&store, &openai(&server)).await;
    assert_eq!(
        r.verdict,
        Verdict::Accepted,
        "{:?}",
        r.report.map(|x| x.findings)
    );
    assert_eq!(r.attempts.len(), 1);
    assert_eq!(r.writer, "openai:gpt-4o-2024-08-06");
    assert!(!r.offline);
    let reqs = script_requests(&server, "\"name\":\"episode_script\"").await;
    assert_eq!(reqs.len(), 1);
    let b = &reqs[0];
    assert_eq!(b["model"], "gpt-4o-2024-08-06");
    assert_eq!(b["response_format"]["type"], "json_schema");
    assert_eq!(b["response_format"]["json_schema"]["strict"], true);
    assert_eq!(
        b["response_format"]["json_schema"]["schema"]["additionalProperties"],
        false
    );
    assert_eq!(b["messages"][0]["role"], "system");
    assert!(
        b["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("현재 에피소드: 1/16")
    );
    assert!(b["max_completion_tokens"].as_u64().unwrap() > 0);
    let checks = script_requests(&server, "continuity_check").await;
    assert_eq!(checks.len(), 1, "the LLM continuity check ran once");
    // Two calls, each 1200 in + 3400 out at gpt-4o prices.
    let ledger = store.usage(Some("rom")).await.unwrap();
    assert_eq!(ledger.len(), 2);
    let each = 1200.0 / 1e6 * 2.5 + 3400.0 / 1e6 * 10.0;
    assert!(
        (ledger[0].actual_usd.unwrap() - each).abs() < 1e-9,
        "{ledger:?}"
    );
    assert!((r.cost_usd - 2.0 * each).abs() < 1e-9);
    assert_eq!(store.recorded_episodes("rom").await.unwrap(), vec![1]);
    // The request carried the key as a bearer token.
    let raw = &server.received_requests().await.unwrap()[0];
    assert_eq!(raw.headers.get("authorization").unwrap(), "Bearer sk-test");
}

#[tokio::test]
async fn openai_broken_json_then_a_valid_retry() {
    let (_d, store, good) = setup().await;
    let server = MockServer::start().await;
    mount_openai_check(&server).await;
    mount_openai_script(
        &server,
        openai_ok("{\"episode_number\": 1, \"scenes\": [", "stop"),
        openai_ok(&serde_json::to_string(&good).unwrap(), "stop"),
    )
    .await;
    let r = run(&store, &openai(&server)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(r.attempts.len(), 2);
    assert!(
        r.attempts[0].outcome.starts_with("unparseable reply"),
        "{:?}",
        r.attempts
    );
    let reqs = script_requests(&server, "\"name\":\"episode_script\"").await;
    assert_eq!(reqs.len(), 2);
    assert!(
        reqs[1]["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("did not match the episode_script schema")
    );
}

#[tokio::test]
async fn openai_unknown_speaker_is_caught_and_regenerated() {
    let (_d, store, good) = setup().await;
    let mut bad = good.clone();
    bad.scenes[1].lines[2].character = "홍길동".into();
    let server = MockServer::start().await;
    mount_openai_check(&server).await;
    mount_openai_script(
        &server,
        openai_ok(&serde_json::to_string(&bad).unwrap(), "stop"),
        openai_ok(&serde_json::to_string(&good).unwrap(), "stop"),
    )
    .await;
    let r = run(&store, &openai(&server)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(r.attempts[0].outcome, "rejected by checks");
    let reqs = script_requests(&server, "\"name\":\"episode_script\"").await;
    let retry_prompt = reqs[1]["messages"][1]["content"].as_str().unwrap();
    assert!(
        retry_prompt.contains("홍길동") && retry_prompt.contains("scenes[1].lines[2]"),
        "the problem is fed back"
    );
}

#[tokio::test]
async fn openai_refusal_parks_the_episode() {
    let (_d, store, _) = setup().await;
    let server = MockServer::start().await;
    let refusal = ResponseTemplate::new(200).set_body_json(json!({
        "model": "gpt-4o", "choices": [{ "index": 0, "message": { "role": "assistant", "content": null, "refusal": "I can't help with that." }, "finish_reason": "stop" }],
        "usage": { "prompt_tokens": 10, "completion_tokens": 5, "total_tokens": 15 }
    }));
    mount_openai_script(&server, refusal.clone(), refusal).await;
    let r = run(&store, &openai(&server)).await;
    assert_eq!(r.verdict, Verdict::NeedsReview);
    assert!(
        r.cause.as_deref().unwrap().contains("refused"),
        "{:?}",
        r.cause
    );
    assert_eq!(
        script_requests(&server, "episode_script").await.len(),
        1,
        "a refusal is not retried"
    );
    let eps = store.episodes("rom").await.unwrap();
    assert_eq!(eps[0].status, EpisodeStatus::NeedsAttention);
    let parked = store.check_report("rom", 1).await.unwrap().unwrap();
    assert!(parked["cause"].as_str().unwrap().contains("refused"));
}

#[tokio::test]
async fn openai_length_truncation_is_regenerated() {
    let (_d, store, good) = setup().await;
    let server = MockServer::start().await;
    mount_openai_check(&server).await;
    mount_openai_script(
        &server,
        openai_ok("{\"episode_number\": 1, \"title\": \"잘", "length"),
        openai_ok(&serde_json::to_string(&good).unwrap(), "stop"),
    )
    .await;
    let r = run(&store, &openai(&server)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert!(
        r.attempts[0].outcome.contains("output limit"),
        "{:?}",
        r.attempts
    );
    let reqs = script_requests(&server, "\"name\":\"episode_script\"").await;
    assert!(
        reqs[1]["messages"][1]["content"]
            .as_str()
            .unwrap()
            .contains("cut off")
    );
}

#[tokio::test]
async fn openai_rate_limit_is_retried_after_the_reset_but_quota_is_not() {
    let (_d, store, good) = setup().await;
    let server = MockServer::start().await;
    mount_openai_check(&server).await;
    let limited = openai_err(429, "requests", "rate_limit_exceeded")
        .insert_header("x-ratelimit-reset-requests", "30ms")
        .insert_header("x-ratelimit-reset-tokens", "10ms");
    mount_openai_script(
        &server,
        limited,
        openai_ok(&serde_json::to_string(&good).unwrap(), "stop"),
    )
    .await;
    let started = std::time::Instant::now();
    let r = run(&store, &openai(&server)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert!(
        started.elapsed() >= Duration::from_millis(30),
        "waited for the later reset"
    );
    assert_eq!(
        script_requests(&server, "\"name\":\"episode_script\"")
            .await
            .len(),
        2
    );

    let (_d2, store2, _) = setup().await;
    let server2 = MockServer::start().await;
    let quota = openai_err(429, "insufficient_quota", "insufficient_quota");
    mount_openai_script(&server2, quota.clone(), quota).await;
    let r = run(&store2, &openai(&server2)).await;
    assert_eq!(r.verdict, Verdict::NeedsReview);
    assert!(
        r.cause.as_deref().unwrap().contains("quota"),
        "{:?}",
        r.cause
    );
    assert_eq!(
        script_requests(&server2, "episode_script").await.len(),
        1,
        "insufficient_quota is never retried"
    );

    // A reset longer than the client's patience goes back to the caller with the wait, for the queue.
    let (_d3, store3, _) = setup().await;
    let server3 = MockServer::start().await;
    let long = openai_err(429, "tokens", "rate_limit_exceeded")
        .insert_header("x-ratelimit-reset-tokens", "6m0s");
    mount_openai_script(&server3, long.clone(), long).await;
    let pricing = Pricing::bundled();
    let w = openai(&server3);
    let stage = ScriptStage {
        writer: &w,
        store: &store3,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    match stage.write_episode("rom", 1).await {
        Err(studio_pipeline::StageError::Writer(studio_pipeline::WriterError::RateLimited {
            retry_after,
            ..
        })) => {
            assert_eq!(retry_after, Some(Duration::from_secs(360)))
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn openai_server_error_then_success() {
    let (_d, store, good) = setup().await;
    let server = MockServer::start().await;
    mount_openai_check(&server).await;
    mount_openai_script(
        &server,
        openai_err(500, "server_error", ""),
        openai_ok(&serde_json::to_string(&good).unwrap(), "stop"),
    )
    .await;
    let r = run(&store, &openai(&server)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(r.attempts.len(), 1, "the client retried inside one attempt");
    assert_eq!(
        script_requests(&server, "\"name\":\"episode_script\"")
            .await
            .len(),
        2
    );
}

#[tokio::test]
async fn openai_plan_request_and_a_local_server_without_key() {
    let server = MockServer::start().await;
    let d = tempfile::tempdir().unwrap();
    let store = Store::open(&d.path().join("t.db")).await.unwrap();
    // The reply is a plan (the offline planner's output stands in for a model's).
    let plan = TemplateWriter
        .plan_series(&PlanCall {
            request: request(Genre::Thriller, "thr", 12),
            prompt: prompts::plan_prompt(&request(Genre::Thriller, "thr", 12)),
            feedback: vec![],
        })
        .await
        .unwrap()
        .text;
    Mock::given(method("POST"))
        .and(path("/v1/chat/completions"))
        .respond_with(openai_ok(&plan, "stop"))
        .mount(&server)
        .await;
    let w =
        OpenAiWriter::new(&format!("{}/v1", server.uri()), None, "qwen2.5:7b").with_policy(fast());
    let pricing = Pricing::bundled();
    let stage = ScriptStage {
        writer: &w,
        store: &store,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    let r = stage
        .plan_series(request(Genre::Thriller, "thr", 12))
        .await
        .unwrap();
    assert!(r.problems.is_empty(), "{:?}", r.problems);
    let reqs = server.received_requests().await.unwrap();
    let b: Value = serde_json::from_slice(&reqs[0].body).unwrap();
    assert_eq!(b["response_format"]["json_schema"]["name"], "series_plan");
    assert_eq!(b["model"], "qwen2.5:7b");
    assert!(
        reqs[0].headers.get("authorization").is_none(),
        "no key, no auth header (local servers)"
    );
    // Against api.openai.com itself a missing key is refused before any request.
    let real = OpenAiWriter::new("https://api.openai.com/v1", None, "gpt-4o");
    let stage = ScriptStage {
        writer: &real,
        store: &store,
        pricing: &pricing,
        cfg: CheckConfig::default(),
    };
    assert!(matches!(
        stage.plan_series(request(Genre::Comedy, "c", 8)).await,
        Err(studio_pipeline::StageError::Writer(
            studio_pipeline::WriterError::MissingKey(_)
        ))
    ));
}

// ---------------------------------------------------------------------------------------------- Anthropic ----

fn anthropic(server: &MockServer) -> AnthropicWriter {
    AnthropicWriter::new(
        &server.uri(),
        Some("sk-ant-test".into()),
        "claude-sonnet-4-5",
    )
    .with_policy(fast())
}

fn tool_reply(input: Value, stop: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{ "type": "tool_use", "id": "toolu_1", "name": "episode_script", "input": input }],
        "stop_reason": stop, "usage": { "input_tokens": 2000, "output_tokens": 5000 }
    }))
}

fn text_reply(text: &str, stop: &str) -> ResponseTemplate {
    ResponseTemplate::new(200).set_body_json(json!({
        "id": "msg_2", "type": "message", "role": "assistant", "model": "claude-sonnet-4-5",
        "content": [{ "type": "text", "text": text }], "stop_reason": stop, "usage": { "input_tokens": 10, "output_tokens": 10 }
    }))
}

fn anthropic_err(status: u16, kind: &str, detail: Option<&str>) -> ResponseTemplate {
    let mut err = json!({ "type": kind, "message": format!("{kind} happened") });
    if let Some(d) = detail {
        err["details"] = json!({ "error_code": d });
    }
    ResponseTemplate::new(status)
        .set_body_json(json!({ "type": "error", "error": err, "request_id": "req_1" }))
}

async fn mount_anthropic(server: &MockServer, first: ResponseTemplate, then: ResponseTemplate) {
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(body_string_contains("continuity_check"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({
            "type": "message", "model": "claude-sonnet-4-5",
            "content": [{ "type": "tool_use", "name": "continuity_check", "input": { "continuity_issues": [], "severity": "none" } }],
            "stop_reason": "tool_use", "usage": { "input_tokens": 100, "output_tokens": 20 }
        })))
        .with_priority(1)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .and(header("anthropic-version", "2023-06-01"))
        .and(header("x-api-key", "sk-ant-test"))
        .respond_with(first)
        .up_to_n_times(1)
        .with_priority(2)
        .mount(server)
        .await;
    Mock::given(method("POST"))
        .and(path("/v1/messages"))
        .respond_with(then)
        .with_priority(3)
        .mount(server)
        .await;
}

#[tokio::test]
async fn anthropic_happy_path_forces_the_schema_tool() {
    let (_d, store, good) = setup().await;
    let server = MockServer::start().await;
    let v = serde_json::to_value(&good).unwrap();
    mount_anthropic(
        &server,
        tool_reply(v.clone(), "tool_use"),
        tool_reply(v, "tool_use"),
    )
    .await;
    let r = run(&store, &anthropic(&server)).await;
    assert_eq!(
        r.verdict,
        Verdict::Accepted,
        "{:?}",
        r.report.map(|x| x.findings)
    );
    let reqs = script_requests(&server, "\"name\":\"episode_script\"").await;
    assert_eq!(reqs.len(), 1);
    let b = &reqs[0];
    assert_eq!(b["model"], "claude-sonnet-4-5");
    assert_eq!(
        b["tool_choice"],
        json!({ "type": "tool", "name": "episode_script" })
    );
    assert_eq!(b["tools"][0]["input_schema"]["additionalProperties"], false);
    assert!(b["max_tokens"].as_u64().unwrap() > 0);
    assert!(b["system"].as_str().unwrap().contains("연속 드라마"));
    let ledger = store.usage(Some("rom")).await.unwrap();
    let script_cost = 2000.0 / 1e6 * 3.0 + 5000.0 / 1e6 * 15.0;
    assert!(
        (ledger[0].actual_usd.unwrap() - script_cost).abs() < 1e-9,
        "{ledger:?}"
    );
}

#[tokio::test]
async fn anthropic_broken_json_unknown_speaker_and_truncation_regenerate() {
    let (_d, store, good) = setup().await;
    let v = serde_json::to_value(&good).unwrap();
    // Broken JSON in a text block.
    let server = MockServer::start().await;
    mount_anthropic(
        &server,
        text_reply("{\"episode_number\": 1, \"title\": ", "end_turn"),
        tool_reply(v.clone(), "tool_use"),
    )
    .await;
    let r = run(&store, &anthropic(&server)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert!(r.attempts[0].outcome.starts_with("unparseable"));

    // Unknown speaker.
    let (_d2, store2, _) = setup().await;
    let mut bad = good.clone();
    bad.scenes[0].lines[1].character = "낯선사람".into();
    let server2 = MockServer::start().await;
    mount_anthropic(
        &server2,
        tool_reply(serde_json::to_value(&bad).unwrap(), "tool_use"),
        tool_reply(v.clone(), "tool_use"),
    )
    .await;
    let r = run(&store2, &anthropic(&server2)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(r.attempts[0].outcome, "rejected by checks");

    // max_tokens.
    let (_d3, store3, _) = setup().await;
    let server3 = MockServer::start().await;
    mount_anthropic(
        &server3,
        tool_reply(json!({}), "max_tokens"),
        tool_reply(v, "tool_use"),
    )
    .await;
    let r = run(&store3, &anthropic(&server3)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert!(r.attempts[0].outcome.contains("output limit"));
}

#[tokio::test]
async fn anthropic_refusal_429_kinds_and_overload() {
    let (_d, store, good) = setup().await;
    let v = serde_json::to_value(&good).unwrap();
    // Refusal parks.
    let server = MockServer::start().await;
    mount_anthropic(
        &server,
        text_reply("", "refusal"),
        text_reply("", "refusal"),
    )
    .await;
    let r = run(&store, &anthropic(&server)).await;
    assert_eq!(r.verdict, Verdict::NeedsReview);
    assert!(r.cause.unwrap().contains("refused"));

    // 429 rate_limit_error with retry-after: retried.
    let (_d2, store2, _) = setup().await;
    let server2 = MockServer::start().await;
    mount_anthropic(
        &server2,
        anthropic_err(429, "rate_limit_error", None).insert_header("retry-after", "0"),
        tool_reply(v.clone(), "tool_use"),
    )
    .await;
    let r = run(&store2, &anthropic(&server2)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(
        script_requests(&server2, "\"name\":\"episode_script\"")
            .await
            .len(),
        2
    );

    // 429 with enforced_spend_limit_reached: never retried.
    let (_d3, store3, _) = setup().await;
    let server3 = MockServer::start().await;
    let spend = anthropic_err(
        429,
        "rate_limit_error",
        Some("enforced_spend_limit_reached"),
    );
    mount_anthropic(&server3, spend.clone(), spend).await;
    let r = run(&store3, &anthropic(&server3)).await;
    assert_eq!(r.verdict, Verdict::NeedsReview);
    assert!(r.cause.unwrap().contains("spend limit"));
    assert_eq!(script_requests(&server3, "episode_script").await.len(), 1);

    // 529 overloaded then success.
    let (_d4, store4, _) = setup().await;
    let server4 = MockServer::start().await;
    mount_anthropic(
        &server4,
        anthropic_err(529, "overloaded_error", None),
        tool_reply(v, "tool_use"),
    )
    .await;
    let r = run(&store4, &anthropic(&server4)).await;
    assert_eq!(r.verdict, Verdict::Accepted);
    assert_eq!(
        script_requests(&server4, "\"name\":\"episode_script\"")
            .await
            .len(),
        2
    );

    // A bad key is a clear auth failure.
    let (_d5, store5, _) = setup().await;
    let server5 = MockServer::start().await;
    let auth = anthropic_err(401, "authentication_error", None);
    mount_anthropic(&server5, auth.clone(), auth).await;
    let r = run(&store5, &anthropic(&server5)).await;
    assert_eq!(r.verdict, Verdict::NeedsReview);
    let cause = r.cause.unwrap();
    assert!(
        cause.contains("anthropic rejected the API key")
            && cause.contains("store a valid anthropic key"),
        "{cause}"
    );
}
