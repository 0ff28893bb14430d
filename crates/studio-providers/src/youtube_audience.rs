//! What viewers did with published episodes, read from YouTube: comment threads and their replies
//! (`commentThreads.list`, `comments.list`), a video's and a channel's public statistics (`videos.list`,
//! `channels.list`, part `statistics`) and the channel owner's YouTube Analytics reports (views, watch time,
//! average view duration and percentage, subscribers gained, and the audience retention curve).
//!
//! Sources: YouTube Data API v3 reference — CommentThreads: list, Comments: list, Videos: list, Channels: list (each
//! costs 1 quota unit; `maxResults` at most 100 for comment threads and comments, 50 ids for videos); YouTube
//! Analytics API v2 — Reports: query, the "Audience retention" report (`dimensions=elapsedVideoTimeRatio`, metrics
//! `audienceWatchRatio` and `relativeRetentionPerformance`, `filters=video==ID`). Analytics needs the
//! `yt-analytics.readonly` scope and has a quota of its own, separate from the Data API's units.
//!
//! Comments are asked for as plain text (`textFormat=plainText`), newest first (`order=time`). Author display names
//! are never read out of a reply: only the author's channel id, which the engine turns into a keyed hash. Error
//! messages never carry a reply's body (it can hold viewers' words).

use serde_json::Value;

use crate::ratelimit::SendAs;
use crate::youtube::{YouTube, YtError, net};

/// One comment or reply as read from YouTube.
#[derive(Debug, Clone, PartialEq)]
pub struct FetchedComment {
    pub id: String,
    /// The thread's top-level comment id, for a reply; `None` for a top-level comment.
    pub parent_id: Option<String>,
    /// The author's channel id (`UC…`), when YouTube gives one.
    pub author_channel_id: Option<String>,
    /// The text as the author wrote it (`textOriginal`, else `textDisplay`).
    pub text: String,
    pub like_count: i64,
    /// RFC 3339, as YouTube writes it.
    pub published_at: String,
    /// For a top-level comment: how many replies the thread has (`snippet.totalReplyCount`).
    pub total_reply_count: i64,
}

/// One page of comment threads (top-level comments, each followed by the replies YouTube included inline).
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CommentPage {
    pub comments: Vec<FetchedComment>,
    pub next_page_token: Option<String>,
}

/// A video as `videos.list` (parts `snippet,status,statistics,contentDetails`) describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct VideoFacts {
    pub id: String,
    /// `public`, `unlisted` or `private`.
    pub privacy_status: String,
    /// `status.publishAt`: a scheduled publish time that has not come yet (RFC 3339).
    pub publish_at: Option<String>,
    /// `snippet.publishedAt` (RFC 3339).
    pub published_at: Option<String>,
    /// `contentDetails.duration` in seconds (from ISO 8601 `PT#H#M#S`).
    pub duration_sec: Option<f64>,
    pub views: Option<i64>,
    pub likes: Option<i64>,
    pub comments: Option<i64>,
    /// `status.madeForKids` or comments turned off cannot be told apart here; this is whether the statistics
    /// carry a comment count at all (it is absent when comments are disabled).
    pub comment_count_shown: bool,
}

/// The channel's public statistics (`channels.list` part `statistics`, `mine=true`).
#[derive(Debug, Clone, PartialEq)]
pub struct ChannelFacts {
    pub id: String,
    /// `None` when the channel hides its subscriber count.
    pub subscribers: Option<i64>,
    pub views: Option<i64>,
    pub videos: Option<i64>,
}

/// One video's totals from YouTube Analytics over a date range.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct VideoReport {
    pub views: i64,
    /// `estimatedMinutesWatched`.
    pub minutes_watched: f64,
    /// `averageViewDuration`, seconds.
    pub average_view_sec: f64,
    /// `averageViewPercentage`, 0–100 (can pass 100 with rewatching).
    pub average_view_percentage: f64,
    pub subscribers_gained: i64,
}

/// One interval of the audience retention curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RetentionPoint {
    /// `elapsedVideoTimeRatio`: the interval's end as a fraction of the video (0.01 … 1.0).
    pub ratio_end: f64,
    /// `audienceWatchRatio`: viewers watching in this interval ÷ the video's views (can pass 1 with rewatching).
    pub watch_ratio: f64,
    /// `relativeRetentionPerformance`: 0 (worst) … 0.5 (median) … 1 (best) against videos of similar length.
    pub relative: Option<f64>,
}

impl YtError {
    /// The token does not carry the scope this call needs (a channel connected before the studio asked for it).
    pub fn is_missing_scope(&self) -> bool {
        matches!(self, YtError::Refused { status: 403, reason, .. }
            if matches!(reason.as_str(), "insufficientPermissions" | "ACCESS_TOKEN_SCOPE_INSUFFICIENT"
                | "PERMISSION_DENIED"))
    }
}

/// `PT1H2M3.5S` → 3723.5 seconds (the subset of ISO 8601 durations YouTube writes; days as `P1DT…`).
pub fn iso8601_duration_sec(s: &str) -> Option<f64> {
    let rest = s.strip_prefix('P')?;
    let (date, time) = rest.split_once('T').unwrap_or((rest, ""));
    let part = |text: &str, units: &[(char, f64)]| -> Option<f64> {
        let mut total = 0.0;
        let mut num = String::new();
        for c in text.chars() {
            if c.is_ascii_digit() || c == '.' {
                num.push(c);
            } else {
                let (_, secs) = units.iter().find(|(u, _)| *u == c)?;
                total += num.parse::<f64>().ok()? * secs;
                num.clear();
            }
        }
        num.is_empty().then_some(total)
    };
    let total = part(date, &[('W', 604_800.0), ('D', 86_400.0)])?
        + part(time, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)])?;
    total.is_finite().then_some(total)
}

/// A uint64 statistic: YouTube sends it as a JSON string.
fn count(v: &Value) -> Option<i64> {
    match v {
        Value::String(s) => s.parse().ok(),
        Value::Number(n) => n.as_i64(),
        _ => None,
    }
}

fn comment_of(c: &Value, parent: Option<&str>, total_replies: i64) -> Option<FetchedComment> {
    let s = &c["snippet"];
    let text = s["textOriginal"]
        .as_str()
        .or_else(|| s["textDisplay"].as_str())?;
    Some(FetchedComment {
        id: c["id"].as_str()?.to_string(),
        parent_id: parent.map(str::to_string),
        author_channel_id: s["authorChannelId"]["value"].as_str().map(str::to_string),
        text: text.to_string(),
        like_count: count(&s["likeCount"]).unwrap_or(0).max(0),
        published_at: s["publishedAt"].as_str().unwrap_or("").to_string(),
        total_reply_count: total_replies,
    })
}

fn page_of(v: &Value, threads: bool) -> CommentPage {
    let mut comments = Vec::new();
    for item in v["items"].as_array().into_iter().flatten() {
        if threads {
            let replies = count(&item["snippet"]["totalReplyCount"]).unwrap_or(0);
            let Some(top) = comment_of(&item["snippet"]["topLevelComment"], None, replies) else {
                continue;
            };
            let parent = top.id.clone();
            comments.push(top);
            for r in item["replies"]["comments"].as_array().into_iter().flatten() {
                if let Some(c) = comment_of(r, Some(&parent), 0) {
                    comments.push(c);
                }
            }
        } else {
            let parent = item["snippet"]["parentId"].as_str().map(str::to_string);
            if let Some(c) = comment_of(item, parent.as_deref(), 0) {
                comments.push(c);
            }
        }
    }
    CommentPage {
        comments,
        next_page_token: v["nextPageToken"]
            .as_str()
            .filter(|t| !t.is_empty())
            .map(str::to_string),
    }
}

/// The rows of an Analytics result table as maps from column name to value.
fn table_rows(v: &Value) -> Result<Vec<std::collections::HashMap<String, Value>>, YtError> {
    let headers: Vec<String> = v["columnHeaders"]
        .as_array()
        .ok_or_else(|| YtError::Protocol("the Analytics report has no column headers".into()))?
        .iter()
        .map(|h| h["name"].as_str().unwrap_or("").to_string())
        .collect();
    Ok(v["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|r| r.as_array())
        .map(|r| headers.iter().cloned().zip(r.iter().cloned()).collect())
        .collect())
}

impl YouTube {
    async fn get_json(&self, url: String, token: &str) -> Result<Value, YtError> {
        let resp = self
            .http
            .get(url)
            .bearer_auth(token)
            .send_as(&self.limits, "youtube")
            .await
            .map_err(net)?;
        Self::json_reply(resp).await
    }

    /// commentThreads.list for one video: up to `max` (1–100) threads, newest first, plain text, with the replies
    /// YouTube includes inline. 1 unit.
    ///
    /// # Errors
    /// `Refused` with reason `commentsDisabled` (403) or `videoNotFound` (404); the usual classes otherwise.
    pub async fn comment_threads(
        &self,
        token: &str,
        video_id: &str,
        page_token: Option<&str>,
        max: u32,
    ) -> Result<CommentPage, YtError> {
        let mut url = reqwest::Url::parse(&format!("{}/commentThreads", self.api))
            .map_err(|e| YtError::Protocol(format!("YouTube base URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("part", "snippet,replies")
            .append_pair("videoId", video_id)
            .append_pair("maxResults", &max.clamp(1, 100).to_string())
            .append_pair("order", "time")
            .append_pair("textFormat", "plainText");
        if let Some(t) = page_token {
            url.query_pairs_mut().append_pair("pageToken", t);
        }
        Ok(page_of(&self.get_json(url.into(), token).await?, true))
    }

    /// comments.list for the replies of one thread (`parentId`), up to 100 a page, plain text. 1 unit.
    ///
    /// # Errors
    /// As [`YouTube::comment_threads`].
    pub async fn comment_replies(
        &self,
        token: &str,
        parent_id: &str,
        page_token: Option<&str>,
    ) -> Result<CommentPage, YtError> {
        let mut url = reqwest::Url::parse(&format!("{}/comments", self.api))
            .map_err(|e| YtError::Protocol(format!("YouTube base URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("part", "snippet")
            .append_pair("parentId", parent_id)
            .append_pair("maxResults", "100")
            .append_pair("textFormat", "plainText");
        if let Some(t) = page_token {
            url.query_pairs_mut().append_pair("pageToken", t);
        }
        Ok(page_of(&self.get_json(url.into(), token).await?, false))
    }

    /// videos.list parts `snippet,status,statistics,contentDetails` for up to 50 ids in one call (1 unit). Videos
    /// YouTube does not know are absent from the answer.
    ///
    /// # Errors
    /// The usual classes; `Protocol` for more than 50 ids.
    pub async fn video_facts(
        &self,
        token: &str,
        ids: &[String],
    ) -> Result<Vec<VideoFacts>, YtError> {
        if ids.len() > 50 {
            return Err(YtError::Protocol("videos.list takes at most 50 ids".into()));
        }
        let mut url = reqwest::Url::parse(&format!("{}/videos", self.api))
            .map_err(|e| YtError::Protocol(format!("YouTube base URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("part", "snippet,status,statistics,contentDetails")
            .append_pair("id", &ids.join(","));
        let v = self.get_json(url.into(), token).await?;
        Ok(v["items"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|i| {
                let st = &i["statistics"];
                Some(VideoFacts {
                    id: i["id"].as_str()?.to_string(),
                    privacy_status: i["status"]["privacyStatus"]
                        .as_str()
                        .unwrap_or("private")
                        .to_string(),
                    publish_at: i["status"]["publishAt"].as_str().map(str::to_string),
                    published_at: i["snippet"]["publishedAt"].as_str().map(str::to_string),
                    duration_sec: i["contentDetails"]["duration"]
                        .as_str()
                        .and_then(iso8601_duration_sec),
                    views: count(&st["viewCount"]),
                    likes: count(&st["likeCount"]),
                    comments: count(&st["commentCount"]),
                    comment_count_shown: !st["commentCount"].is_null(),
                })
            })
            .collect())
    }

    /// channels.list part `statistics` for the token's channel (1 unit).
    ///
    /// # Errors
    /// The usual classes; `Protocol` when the account has no channel.
    pub async fn channel_facts(&self, token: &str) -> Result<ChannelFacts, YtError> {
        let v = self
            .get_json(
                format!("{}/channels?part=statistics&mine=true", self.api),
                token,
            )
            .await?;
        let i = &v["items"][0];
        let id = i["id"].as_str().ok_or_else(|| {
            YtError::Protocol("this Google account has no YouTube channel".into())
        })?;
        let st = &i["statistics"];
        let hidden = st["hiddenSubscriberCount"].as_bool().unwrap_or(false);
        Ok(ChannelFacts {
            id: id.to_string(),
            subscribers: if hidden {
                None
            } else {
                count(&st["subscriberCount"])
            },
            views: count(&st["viewCount"]),
            videos: count(&st["videoCount"]),
        })
    }

    fn report_url(&self, video_id: &str, start: &str, end: &str) -> Result<reqwest::Url, YtError> {
        let mut url = reqwest::Url::parse(&format!("{}/reports", self.analytics))
            .map_err(|e| YtError::Protocol(format!("YouTube Analytics base URL: {e}")))?;
        url.query_pairs_mut()
            .append_pair("ids", "channel==MINE")
            .append_pair("startDate", start)
            .append_pair("endDate", end)
            .append_pair("filters", &format!("video=={video_id}"));
        Ok(url)
    }

    /// YouTube Analytics totals for one video between two dates (`YYYY-MM-DD`, Pacific time, inclusive).
    /// `Ok(None)` when the report has no row yet (a video too new for Analytics).
    ///
    /// # Errors
    /// `Refused` that [`YtError::is_missing_scope`] when the channel did not grant `yt-analytics.readonly`;
    /// `QuotaExceeded` for the Analytics API's own quota; the usual classes otherwise.
    pub async fn video_report(
        &self,
        token: &str,
        video_id: &str,
        start: &str,
        end: &str,
    ) -> Result<Option<VideoReport>, YtError> {
        let mut url = self.report_url(video_id, start, end)?;
        url.query_pairs_mut().append_pair(
            "metrics",
            "views,estimatedMinutesWatched,averageViewDuration,averageViewPercentage,subscribersGained",
        );
        let rows = table_rows(&self.get_json(url.into(), token).await?)?;
        let Some(r) = rows.first() else {
            return Ok(None);
        };
        let f = |k: &str| r.get(k).and_then(Value::as_f64).unwrap_or(0.0);
        Ok(Some(VideoReport {
            views: f("views") as i64,
            minutes_watched: f("estimatedMinutesWatched"),
            average_view_sec: f("averageViewDuration"),
            average_view_percentage: f("averageViewPercentage"),
            subscribers_gained: f("subscribersGained") as i64,
        }))
    }

    /// The audience retention curve of one video between two dates, in order of `elapsedVideoTimeRatio` (empty
    /// when YouTube has too few views to report it).
    ///
    /// # Errors
    /// As [`YouTube::video_report`].
    pub async fn retention(
        &self,
        token: &str,
        video_id: &str,
        start: &str,
        end: &str,
    ) -> Result<Vec<RetentionPoint>, YtError> {
        let mut url = self.report_url(video_id, start, end)?;
        url.query_pairs_mut()
            .append_pair("dimensions", "elapsedVideoTimeRatio")
            .append_pair("metrics", "audienceWatchRatio,relativeRetentionPerformance")
            .append_pair("sort", "elapsedVideoTimeRatio");
        let rows = table_rows(&self.get_json(url.into(), token).await?)?;
        let mut out: Vec<RetentionPoint> = rows
            .iter()
            .filter_map(|r| {
                let ratio_end = r.get("elapsedVideoTimeRatio")?.as_f64()?;
                let watch_ratio = r.get("audienceWatchRatio")?.as_f64()?;
                (ratio_end.is_finite()
                    && ratio_end > 0.0
                    && ratio_end <= 1.0
                    && watch_ratio.is_finite())
                .then(|| RetentionPoint {
                    ratio_end,
                    watch_ratio: watch_ratio.max(0.0),
                    relative: r
                        .get("relativeRetentionPerformance")
                        .and_then(Value::as_f64)
                        .filter(|v| v.is_finite()),
                })
            })
            .collect();
        out.sort_by(|a, b| a.ratio_end.total_cmp(&b.ratio_end));
        out.dedup_by(|a, b| a.ratio_end == b.ratio_end);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_durations_are_read() {
        assert_eq!(iso8601_duration_sec("PT5M3S"), Some(303.0));
        assert_eq!(iso8601_duration_sec("PT1H0M2.5S"), Some(3602.5));
        assert_eq!(iso8601_duration_sec("P1DT1S"), Some(86_401.0));
        assert_eq!(iso8601_duration_sec("PT"), Some(0.0));
        assert_eq!(iso8601_duration_sec("5M"), None);
        assert_eq!(iso8601_duration_sec("PT5X"), None);
        assert_eq!(iso8601_duration_sec("PT5"), None);
    }

    #[test]
    fn a_thread_page_keeps_replies_after_their_comment_and_no_names() {
        let v = serde_json::json!({"nextPageToken": "p2", "items": [{
            "snippet": {"totalReplyCount": "7", "topLevelComment": {"id": "c1", "snippet": {
                "textOriginal": "서연이 최고", "textDisplay": "x", "authorDisplayName": "@someone",
                "authorChannelId": {"value": "UCa"}, "likeCount": 3, "publishedAt": "2026-11-30T10:00:00Z"}}},
            "replies": {"comments": [{"id": "c1.r1", "snippet": {"textOriginal": "ㅇㅈ", "parentId": "c1",
                "likeCount": 0, "publishedAt": "2026-11-30T11:00:00Z"}}]}
        }, {"snippet": {}}]});
        let p = page_of(&v, true);
        assert_eq!(p.next_page_token.as_deref(), Some("p2"));
        assert_eq!(p.comments.len(), 2);
        assert_eq!(p.comments[0].total_reply_count, 7);
        assert_eq!(p.comments[0].author_channel_id.as_deref(), Some("UCa"));
        assert_eq!(p.comments[1].parent_id.as_deref(), Some("c1"));
        assert!(!format!("{p:?}").contains("someone"));
    }

    #[test]
    fn missing_scope_is_told_apart_from_other_refusals() {
        let e = crate::youtube::classify(
            reqwest::StatusCode::FORBIDDEN,
            r#"{"error":{"code":403,"message":"Request had insufficient authentication scopes.","status":"PERMISSION_DENIED","errors":[{"reason":"insufficientPermissions"}]}}"#,
        );
        assert!(e.is_missing_scope(), "{e:?}");
        let e = crate::youtube::classify(
            reqwest::StatusCode::FORBIDDEN,
            r#"{"error":{"code":403,"errors":[{"reason":"commentsDisabled"}]}}"#,
        );
        assert!(!e.is_missing_scope());
        assert_eq!(e.reason(), "commentsDisabled");
    }
}
