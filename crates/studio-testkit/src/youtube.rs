//! A stateful mock of the parts of Google's OAuth token endpoint and the YouTube Data API the publisher uses,
//! following the documented contracts: the resumable upload (200 + Location → PUT chunks → 308 + Range → 200/201,
//! `bytes */TOTAL` status queries, 404 for unknown sessions), thumbnails.set, captions.insert, playlists,
//! playlistItems, videos.list, channels.list, and the token endpoint (authorization_code with PKCE S256,
//! refresh_token, invalid_grant). For viewer feedback: commentThreads.list (paged, newest first, replies inline up
//! to five), comments.list by parent, videos.list statistics, channels.list statistics and the YouTube Analytics
//! reports endpoint (totals and the retention curve), with `commentsDisabled`, `videoNotFound`, a missing Analytics
//! scope, quota and 5xx/429 faults. Faults are switched on per test.

use std::sync::{Arc, Mutex};

use base64::Engine as _;
use sha2::Digest;
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

#[derive(Default, Debug)]
pub struct Session {
    pub resource: serde_json::Value,
    pub total: u64,
    pub bytes: Vec<u8>,
    pub video_id: Option<String>,
}

#[derive(Default, Debug)]
pub struct State {
    pub base: String,
    /// The access token the API accepts; others get 401.
    pub valid_token: String,
    pub sessions: Vec<Session>,
    pub videos_inserted: usize,
    pub chunk_puts: usize,
    pub status_queries: usize,
    pub thumbnails: Vec<(String, usize)>,
    pub captions: Vec<(String, String)>,
    pub playlists_created: usize,
    pub playlist_titles: Vec<String>,
    pub playlist_items: Vec<(String, String, u64)>,
    pub refreshes: usize,
    pub token_requests: Vec<String>,
    /// PKCE: the challenge the test saw in the authorization URL, and the code it handed to the redirect.
    pub expected_challenge: Option<String>,
    pub auth_code: Option<String>,
    /// The privacy YouTube reports after upload (an unaudited project: always "private").
    pub force_private: bool,
    // Faults.
    /// Accept this many chunk PUTs, then answer 503 to every later PUT and query until cleared.
    pub down_after_chunks: Option<usize>,
    /// The final chunk is stored (the video exists) but the reply is lost (503).
    pub lose_final_reply: bool,
    /// After this many chunk PUTs, forget the session's bytes and answer 308 without Range once.
    pub forget_after_chunks: Option<usize>,
    /// The next session start answers 403 quotaExceeded.
    pub quota_exceeded_next: bool,
    /// The next session start answers 400 uploadLimitExceeded (the channel's own daily upload cap).
    pub upload_limit_next: bool,
    /// The next API call (not the upload PUTs) answers 401 once.
    pub unauthorized_next: bool,
    /// A refresh with this token answers invalid_grant.
    pub dead_refresh_token: String,
    /// Every chunk reply waits this long (to kill a process mid-upload).
    pub chunk_delay_ms: u64,
    /// What viewers did: comments, statistics, Analytics reports.
    pub audience: Audience,
}

/// A comment as the mock holds it.
#[derive(Debug, Clone, Default)]
pub struct MockComment {
    pub id: String,
    /// The top-level comment's id, for a reply.
    pub parent: Option<String>,
    pub author_channel: String,
    pub author_name: String,
    pub text: String,
    pub likes: i64,
    pub published_at: String,
}

/// A video's facts beyond an upload session (or for a video the mock never received).
#[derive(Debug, Clone, Default)]
pub struct MockVideo {
    pub privacy: String,
    pub publish_at: Option<String>,
    pub published_at: String,
    /// ISO 8601, `PT5M3S`.
    pub duration: String,
    pub views: i64,
    pub likes: i64,
    /// `None`: comments are off (the statistics carry no commentCount).
    pub comments: Option<i64>,
}

#[derive(Debug, Clone, Default)]
pub struct Audience {
    /// Per video: comments and replies, in any order (the mock answers newest first).
    pub comments: std::collections::BTreeMap<String, Vec<MockComment>>,
    pub videos: std::collections::BTreeMap<String, MockVideo>,
    /// Videos whose comment threads answer 403 commentsDisabled.
    pub comments_disabled: std::collections::BTreeSet<String>,
    /// channels.list statistics: subscribers (None: hidden), views, videos.
    pub channel: (Option<i64>, i64, i64),
    /// Analytics totals per video: views, minutes watched, average view seconds and percentage, subscribers gained.
    pub reports: std::collections::BTreeMap<String, (i64, f64, f64, f64, i64)>,
    /// Analytics retention per video: (elapsedVideoTimeRatio, audienceWatchRatio, relativeRetentionPerformance).
    pub retention: std::collections::BTreeMap<String, Vec<(f64, f64, f64)>>,
    /// The token carries `yt-analytics.readonly`.
    pub analytics_granted: bool,
    /// The Analytics API answers 403 quotaExceeded.
    pub analytics_quota_exceeded: bool,
    /// The next Data API reads (comments, videos, channels) answer these statuses, one each (503, 429, 403 quota).
    pub faults: std::collections::VecDeque<u16>,
    /// Every Data API and Analytics read, as `path?query`.
    pub reads: Vec<String>,
    /// Pages hold at most this many items whatever `maxResults` asks (to see paging with few comments).
    pub page_cap: Option<usize>,
}

#[derive(Clone)]
pub struct YouTubeMock {
    pub server: Arc<MockServer>,
    pub state: Arc<Mutex<State>>,
}

fn err(status: u16, reason: &str, message: &str) -> ResponseTemplate {
    ResponseTemplate::new(status).set_body_json(serde_json::json!({
        "error": { "code": status, "message": message, "errors": [{ "reason": reason, "domain": "youtube" }] }
    }))
}

impl YouTubeMock {
    pub async fn start() -> Self {
        let server = MockServer::start().await;
        let state = Arc::new(Mutex::new(State {
            base: server.uri(),
            valid_token: "at-1".into(),
            dead_refresh_token: "rt-dead".into(),
            ..Default::default()
        }));
        Mock::given(wiremock::matchers::any())
            .respond_with(Handler(state.clone()))
            .mount(&server)
            .await;
        Self {
            server: Arc::new(server),
            state,
        }
    }
    pub fn uri(&self) -> String {
        self.server.uri()
    }
    pub fn with<T>(&self, f: impl FnOnce(&mut State) -> T) -> T {
        f(&mut self.state.lock().unwrap())
    }
    /// The `AIDAS_*` variables that point the studio at this mock.
    pub fn env(&self) -> Vec<(String, String)> {
        let u = self.uri();
        vec![
            ("AIDAS_YOUTUBE_BASE_URL".into(), format!("{u}/youtube/v3")),
            (
                "AIDAS_YOUTUBE_UPLOAD_URL".into(),
                format!("{u}/upload/youtube/v3"),
            ),
            ("AIDAS_YOUTUBE_ANALYTICS_URL".into(), format!("{u}/v2")),
            ("AIDAS_GOOGLE_OAUTH_TOKEN_URL".into(), format!("{u}/token")),
            ("AIDAS_GOOGLE_OAUTH_AUTH_URL".into(), format!("{u}/auth")),
            (
                "AIDAS_YOUTUBE_CLIENT_ID".into(),
                "client-1.apps.googleusercontent.com".into(),
            ),
        ]
    }
}

struct Handler(Arc<Mutex<State>>);

fn query(req: &Request, key: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.to_string())
}

fn query_has(req: &Request, key: &str, part: &str) -> bool {
    query(req, key).is_some_and(|v| v.split(',').any(|p| p == part))
}

fn comment_json(c: &MockComment) -> serde_json::Value {
    serde_json::json!({
        "kind": "youtube#comment", "id": c.id,
        "snippet": {
            "authorDisplayName": c.author_name, "authorChannelId": { "value": c.author_channel },
            "textDisplay": c.text, "textOriginal": c.text, "parentId": c.parent,
            "likeCount": c.likes, "publishedAt": c.published_at, "updatedAt": c.published_at
        }
    })
}

/// A page of `items` from `pageToken` with `maxResults`. Tokens name the first item of the next page (like
/// YouTube's, they stay valid when newer comments arrive in front).
fn paged(
    req: &Request,
    items: Vec<serde_json::Value>,
    default_max: usize,
    cap: Option<usize>,
) -> ResponseTemplate {
    let max = query(req, "maxResults")
        .and_then(|m| m.parse::<usize>().ok())
        .unwrap_or(default_max)
        .clamp(1, 100)
        .min(cap.unwrap_or(100).max(1));
    let from = match query(req, "pageToken") {
        None => 0,
        Some(t) => match t
            .strip_prefix("from:")
            .and_then(|id| items.iter().position(|i| i["id"] == id))
        {
            Some(k) => k,
            None => return err(400, "invalidPageToken", "The page token is not valid."),
        },
    };
    let to = (from + max).min(items.len());
    let mut body = serde_json::json!({
        "pageInfo": { "totalResults": items.len(), "resultsPerPage": max },
        "items": items[from..to].to_vec()
    });
    if to < items.len() {
        body["nextPageToken"] =
            serde_json::json!(format!("from:{}", items[to]["id"].as_str().unwrap_or("")));
    }
    ResponseTemplate::new(200).set_body_json(body)
}

/// The feedback reads: comment threads, replies, statistics and Analytics reports.
fn audience(st: &mut State, req: &Request) -> ResponseTemplate {
    let path = req.url.path().to_string();
    st.audience
        .reads
        .push(format!("{path}?{}", req.url.query().unwrap_or("")));
    let a = &mut st.audience;
    if path == "/v2/reports" {
        if !a.analytics_granted {
            return ResponseTemplate::new(403).set_body_json(serde_json::json!({"error": {
                "code": 403, "message": "Request had insufficient authentication scopes.",
                "status": "PERMISSION_DENIED", "errors": [{"reason": "insufficientPermissions"}]}}));
        }
        if a.analytics_quota_exceeded {
            return err(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
            );
        }
        let video = query(req, "filters")
            .and_then(|f| f.strip_prefix("video==").map(str::to_string))
            .unwrap_or_default();
        let ok_dates = ["startDate", "endDate"].iter().all(|k| {
            query(req, k).is_some_and(|d| {
                d.len() == 10 && d.as_bytes()[4] == b'-' && d.as_bytes()[7] == b'-'
            })
        });
        if !ok_dates || query(req, "ids").as_deref() != Some("channel==MINE") {
            return err(400, "badRequest", "Required dates or ids are missing.");
        }
        if query(req, "dimensions").as_deref() == Some("elapsedVideoTimeRatio") {
            let rows: Vec<serde_json::Value> = a
                .retention
                .get(&video)
                .into_iter()
                .flatten()
                .map(|(r, w, rel)| serde_json::json!([r, w, rel]))
                .collect();
            return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                "kind": "youtubeAnalytics#resultTable",
                "columnHeaders": [
                    {"name": "elapsedVideoTimeRatio", "columnType": "DIMENSION", "dataType": "FLOAT"},
                    {"name": "audienceWatchRatio", "columnType": "METRIC", "dataType": "FLOAT"},
                    {"name": "relativeRetentionPerformance", "columnType": "METRIC", "dataType": "FLOAT"}],
                "rows": rows
            }));
        }
        let rows: Vec<serde_json::Value> = a
            .reports
            .get(&video)
            .map(|(v, m, d, p, s)| serde_json::json!([v, m, d, p, s]))
            .into_iter()
            .collect();
        let h = |n: &str, t: &str| serde_json::json!({"name": n, "columnType": "METRIC", "dataType": t});
        return ResponseTemplate::new(200).set_body_json(serde_json::json!({
            "kind": "youtubeAnalytics#resultTable",
            "columnHeaders": [h("views", "INTEGER"), h("estimatedMinutesWatched", "INTEGER"),
                h("averageViewDuration", "INTEGER"), h("averageViewPercentage", "FLOAT"), h("subscribersGained", "INTEGER")],
            "rows": rows
        }));
    }
    if let Some(status) = a.faults.pop_front() {
        return match status {
            403 => err(
                403,
                "quotaExceeded",
                "The request cannot be completed because you have exceeded your quota.",
            ),
            429 => err(429, "rateLimitExceeded", "Too many requests."),
            s => err(s, "backendError", "Backend Error"),
        };
    }
    let newest_first = |mut v: Vec<MockComment>| {
        v.sort_by(|x, y| y.published_at.cmp(&x.published_at).then(y.id.cmp(&x.id)));
        v
    };
    match path.as_str() {
        "/youtube/v3/commentThreads" => {
            let video = query(req, "videoId").unwrap_or_default();
            if a.comments_disabled.contains(&video) {
                return err(
                    403,
                    "commentsDisabled",
                    "The video identified by the videoId parameter has disabled comments.",
                );
            }
            let known = a.videos.contains_key(&video)
                || st
                    .sessions
                    .iter()
                    .any(|s| s.video_id.as_deref() == Some(video.as_str()));
            if !known {
                return err(
                    404,
                    "videoNotFound",
                    "The video identified by the videoId parameter could not be found.",
                );
            }
            let all = st
                .audience
                .comments
                .get(&video)
                .cloned()
                .unwrap_or_default();
            let tops = newest_first(all.iter().filter(|c| c.parent.is_none()).cloned().collect());
            let items = tops
                .iter()
                .map(|t| {
                    let replies: Vec<&MockComment> =
                        all.iter().filter(|r| r.parent.as_deref() == Some(t.id.as_str())).collect();
                    let mut item = serde_json::json!({
                        "kind": "youtube#commentThread", "id": t.id,
                        "snippet": { "videoId": video, "topLevelComment": comment_json(t),
                                     "totalReplyCount": replies.len(), "canReply": true, "isPublic": true }
                    });
                    if !replies.is_empty() {
                        // Like YouTube: at most five replies come inline; comments.list has all of them.
                        item["replies"] = serde_json::json!({
                            "comments": replies.iter().take(5).map(|r| comment_json(r)).collect::<Vec<_>>()
                        });
                    }
                    item
                })
                .collect();
            paged(req, items, 20, st.audience.page_cap)
        }
        "/youtube/v3/comments" => {
            let parent = query(req, "parentId").unwrap_or_default();
            let replies: Vec<MockComment> = a
                .comments
                .values()
                .flatten()
                .filter(|c| c.parent.as_deref() == Some(parent.as_str()))
                .cloned()
                .collect();
            let mut replies = newest_first(replies);
            replies.reverse();
            paged(
                req,
                replies.iter().map(comment_json).collect(),
                20,
                a.page_cap,
            )
        }
        "/youtube/v3/channels" => {
            let (subs, views, videos) = a.channel;
            ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": [{
                "id": "UCtest",
                "statistics": { "viewCount": views.to_string(), "videoCount": videos.to_string(),
                                "subscriberCount": subs.unwrap_or(0).to_string(), "hiddenSubscriberCount": subs.is_none() }
            }]}))
        }
        _ => {
            let ids = query(req, "id").unwrap_or_default();
            let items: Vec<serde_json::Value> = ids
                .split(',')
                .filter_map(|id| {
                    let v = st.audience.videos.get(id)?;
                    let mut stats = serde_json::json!({
                        "viewCount": v.views.to_string(), "likeCount": v.likes.to_string(), "favoriteCount": "0"
                    });
                    if let Some(c) = v.comments {
                        stats["commentCount"] = serde_json::json!(c.to_string());
                    }
                    Some(serde_json::json!({
                        "kind": "youtube#video", "id": id,
                        "snippet": { "publishedAt": v.published_at, "title": "", "channelId": "UCtest" },
                        "status": { "privacyStatus": v.privacy, "publishAt": v.publish_at, "uploadStatus": "processed" },
                        "contentDetails": { "duration": v.duration },
                        "statistics": stats
                    }))
                })
                .collect();
            ResponseTemplate::new(200).set_body_json(serde_json::json!({ "items": items }))
        }
    }
}

fn form(body: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(body).into_owned().collect()
}

impl Respond for Handler {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.0.lock().unwrap();
        let path = req.url.path().to_string();
        let method = req.method.as_str().to_string();
        let header = |k: &str| {
            req.headers
                .get(k)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        if path == "/token" {
            let f = form(&req.body);
            let get = |k: &str| f.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
            let grant = get("grant_type").unwrap_or_default();
            st.token_requests.push(grant.clone());
            if grant == "authorization_code" {
                let verifier = get("code_verifier").unwrap_or_default();
                let challenge = base64::engine::general_purpose::URL_SAFE_NO_PAD
                    .encode(sha2::Sha256::digest(verifier.as_bytes()));
                if Some(challenge) != st.expected_challenge
                    || get("code") != st.auth_code
                    || get("client_id").as_deref() != Some("client-1.apps.googleusercontent.com")
                    || get("redirect_uri").is_none_or(|r| !r.starts_with("http://127.0.0.1:"))
                {
                    return ResponseTemplate::new(400).set_body_json(
                        serde_json::json!({"error": "invalid_grant", "error_description": "Bad code or verifier"}),
                    );
                }
                return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "access_token": st.valid_token, "expires_in": 3599, "refresh_token": "rt-1",
                    "scope": "https://www.googleapis.com/auth/youtube.upload", "token_type": "Bearer"
                }));
            }
            if grant == "refresh_token" {
                let rt = get("refresh_token").unwrap_or_default();
                if rt == st.dead_refresh_token {
                    return ResponseTemplate::new(400).set_body_json(
                        serde_json::json!({"error": "invalid_grant", "error_description": "Token has been expired or revoked."}),
                    );
                }
                st.refreshes += 1;
                st.valid_token = format!("at-r{}", st.refreshes);
                return ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "access_token": st.valid_token, "expires_in": 3599, "token_type": "Bearer"
                }));
            }
            return ResponseTemplate::new(400)
                .set_body_json(serde_json::json!({"error": "unsupported_grant_type"}));
        }
        // Everything else needs the current access token.
        if header("authorization") != Some(format!("Bearer {}", st.valid_token)) {
            return err(401, "authError", "Invalid Credentials");
        }
        let is_upload_put = path.starts_with("/upload/session/");
        if !is_upload_put && st.unauthorized_next {
            st.unauthorized_next = false;
            return err(401, "authError", "Invalid Credentials");
        }
        match (method.as_str(), path.as_str()) {
            ("POST", "/upload/youtube/v3/videos") => {
                if st.quota_exceeded_next {
                    st.quota_exceeded_next = false;
                    return err(
                        403,
                        "quotaExceeded",
                        "The request cannot be completed because you have exceeded your quota.",
                    );
                }
                if st.upload_limit_next {
                    st.upload_limit_next = false;
                    return err(
                        400,
                        "uploadLimitExceeded",
                        "The user has exceeded the number of videos they may upload.",
                    );
                }
                let q: Vec<(String, String)> = req.url.query_pairs().into_owned().collect();
                if !q.contains(&("uploadType".into(), "resumable".into())) {
                    return err(400, "badRequest", "uploadType");
                }
                let total = header("x-upload-content-length")
                    .and_then(|v| v.parse().ok())
                    .unwrap_or(0);
                let resource: serde_json::Value =
                    serde_json::from_slice(&req.body).unwrap_or_default();
                if resource["snippet"]["title"]
                    .as_str()
                    .unwrap_or("")
                    .contains(['<', '>'])
                {
                    return err(
                        400,
                        "invalidTitle",
                        "The request metadata specifies an invalid video title.",
                    );
                }
                if resource["snippet"]["description"]
                    .as_str()
                    .unwrap_or("")
                    .contains(['<', '>'])
                {
                    return err(
                        400,
                        "invalidDescription",
                        "The request metadata specifies an invalid video description.",
                    );
                }
                st.sessions.push(Session {
                    resource,
                    total,
                    ..Default::default()
                });
                let k = st.sessions.len() - 1;
                let loc = format!("{}/upload/session/{k}", st.base);
                ResponseTemplate::new(200).insert_header("Location", loc.as_str())
            }
            ("PUT", p) if is_upload_put => {
                let Some(k) = p.rsplit('/').next().and_then(|k| k.parse::<usize>().ok()) else {
                    return ResponseTemplate::new(404);
                };
                if k >= st.sessions.len() {
                    return ResponseTemplate::new(404);
                }
                let range = header("content-range").unwrap_or_default();
                let query = range.starts_with("bytes */");
                if query {
                    st.status_queries += 1;
                } else {
                    st.chunk_puts += 1;
                }
                if let Some(n) = st.down_after_chunks
                    && st.chunk_puts > n
                {
                    return err(503, "backendError", "Backend Error");
                }
                let done = |s: &Session| {
                    ResponseTemplate::new(201).set_body_json(serde_json::json!({
                        "kind": "youtube#video", "id": s.video_id,
                        "snippet": s.resource["snippet"], "status": { "uploadStatus": "uploaded" }
                    }))
                };
                let progress = |s: &Session| {
                    let t = ResponseTemplate::new(308);
                    if s.bytes.is_empty() {
                        t
                    } else {
                        t.insert_header("Range", format!("bytes=0-{}", s.bytes.len() - 1).as_str())
                    }
                };
                if query {
                    let s = &st.sessions[k];
                    return if s.video_id.is_some() {
                        done(s)
                    } else {
                        progress(s)
                    };
                }
                // "bytes a-b/total"
                let Some((a, b, total)) = range
                    .strip_prefix("bytes ")
                    .and_then(|r| r.split_once('/'))
                    .and_then(|(ab, t)| {
                        let (a, b) = ab.split_once('-')?;
                        Some((
                            a.parse::<u64>().ok()?,
                            b.parse::<u64>().ok()?,
                            t.parse::<u64>().ok()?,
                        ))
                    })
                else {
                    return err(400, "badContentRange", &range);
                };
                let delay = st.chunk_delay_ms;
                let forget = st
                    .forget_after_chunks
                    .is_some_and(|n| st.chunk_puts == n + 1);
                let lose_final = st.lose_final_reply;
                let s = &mut st.sessions[k];
                if s.video_id.is_some() {
                    return done(s);
                }
                if total != s.total || b + 1 - a != req.body.len() as u64 || b >= total {
                    return err(400, "badContentRange", &range);
                }
                let is_last = b + 1 == total;
                // Chunks other than the last must be multiples of 256 KiB.
                if !is_last && !req.body.len().is_multiple_of(256 * 1024) {
                    return err(400, "badChunkSize", "chunk size");
                }
                if a == s.bytes.len() as u64 {
                    s.bytes.extend_from_slice(&req.body);
                } else if a > s.bytes.len() as u64 {
                    // A gap: keep what we have and tell the client.
                    return progress(s);
                } else {
                    // Overlap: keep only the new part.
                    let skip = (s.bytes.len() as u64 - a) as usize;
                    if skip < req.body.len() {
                        s.bytes.extend_from_slice(&req.body[skip..]);
                    }
                }
                if forget {
                    s.bytes.clear();
                    return ResponseTemplate::new(308);
                }
                if s.bytes.len() as u64 == s.total {
                    let id = format!("vid{k}");
                    s.video_id = Some(id);
                    st.videos_inserted += 1;
                    if lose_final {
                        st.lose_final_reply = false;
                        return err(503, "backendError", "lost reply");
                    }
                    return done(&st.sessions[k]);
                }
                progress(s).set_delay(std::time::Duration::from_millis(delay))
            }
            ("POST", "/upload/youtube/v3/thumbnails/set") => {
                let v = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "videoId")
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default();
                st.thumbnails.push((v, req.body.len()));
                ResponseTemplate::new(200).set_body_json(
                    serde_json::json!({"kind": "youtube#thumbnailSetResponse", "items": [{}]}),
                )
            }
            ("POST", "/upload/youtube/v3/captions") => {
                let body = String::from_utf8_lossy(&req.body).to_string();
                let vid = body
                    .split("\"videoId\":\"")
                    .nth(1)
                    .and_then(|r| r.split('"').next())
                    .unwrap_or("")
                    .to_string();
                st.captions.push((vid, body));
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"kind": "youtube#caption", "id": "cap1"}))
            }
            ("POST", "/youtube/v3/playlists") => {
                // Like YouTube: angle brackets and over-long titles are refused (invalidPlaylistSnippet).
                let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                let title = v["snippet"]["title"].as_str().unwrap_or("");
                let desc = v["snippet"]["description"].as_str().unwrap_or("");
                if title.contains(['<', '>'])
                    || desc.contains(['<', '>'])
                    || title.chars().count() > 150
                    || desc.len() > 5000
                {
                    return err(400, "invalidPlaylistSnippet", "Invalid playlist snippet.");
                }
                st.playlist_titles.push(title.to_string());
                st.playlists_created += 1;
                let id = format!("PL{}", st.playlists_created);
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"kind": "youtube#playlist", "id": id}))
            }
            ("POST", "/youtube/v3/playlistItems") => {
                let v: serde_json::Value = serde_json::from_slice(&req.body).unwrap_or_default();
                st.playlist_items.push((
                    v["snippet"]["playlistId"].as_str().unwrap_or("").into(),
                    v["snippet"]["resourceId"]["videoId"]
                        .as_str()
                        .unwrap_or("")
                        .into(),
                    v["snippet"]["position"].as_u64().unwrap_or(u64::MAX),
                ));
                ResponseTemplate::new(200)
                    .set_body_json(serde_json::json!({"kind": "youtube#playlistItem", "id": "pli"}))
            }
            ("GET", p)
                if p.starts_with("/youtube/v3/comment")
                    || p == "/v2/reports"
                    || (p == "/youtube/v3/videos" && query_has(req, "part", "statistics"))
                    || (p == "/youtube/v3/channels" && query_has(req, "part", "statistics")) =>
            {
                audience(&mut st, req)
            }
            ("GET", "/youtube/v3/videos") => {
                let id = req
                    .url
                    .query_pairs()
                    .find(|(k, _)| k == "id")
                    .map(|(_, v)| v.to_string())
                    .unwrap_or_default();
                let Some(s) = st
                    .sessions
                    .iter()
                    .find(|s| s.video_id.as_deref() == Some(id.as_str()))
                else {
                    return ResponseTemplate::new(200)
                        .set_body_json(serde_json::json!({"items": []}));
                };
                let wanted = s.resource["status"]["privacyStatus"]
                    .as_str()
                    .unwrap_or("private");
                let privacy = if st.force_private { "private" } else { wanted };
                ResponseTemplate::new(200).set_body_json(serde_json::json!({"items": [{
                    "id": id, "status": { "uploadStatus": "processed", "privacyStatus": privacy }
                }]}))
            }
            ("GET", "/youtube/v3/channels") => {
                ResponseTemplate::new(200).set_body_json(serde_json::json!({
                    "items": [{ "id": "UCtest", "snippet": { "title": "테스트 채널" } }]
                }))
            }
            _ => ResponseTemplate::new(404),
        }
    }
}
