//! The resumable upload and what follows it (thumbnail, captions, playlist), each step recorded so a restart resumes.

use super::*;

/// One episode's upload while its steps run: where it goes and what the steps share.
struct Upload {
    sid: String,
    n: u32,
    /// The series' title and premise (the playlist's title and description).
    title: String,
    premise: String,
    channel: String,
    yt: YouTube,
    /// The channel's access token (refreshed in place on a 401).
    token: String,
    file: std::path::PathBuf,
    /// The file's size in bytes.
    total: u64,
    /// The videos.insert resource.
    resource: serde_json::Value,
    /// What the report tells the creator.
    notes: Vec<String>,
}

impl Engine {
    /// The video resource for videos.insert, from the package's metadata, the schedule and the settings.
    pub(super) async fn video_resource(
        &self,
        series_id: &str,
        n: u32,
        publish_at: Option<&str>,
    ) -> Result<serde_json::Value, CoreError> {
        let path = self
            .data_dir()
            .join(format!("series/{series_id}/ep{n:03}/package/metadata.json"));
        let text = crate::textfile::read_text_if_present(&path)?.ok_or_else(|| {
            CoreError::invalid(format!(
                "{series_id} episode {n} has no package/metadata.json: package it first"
            ))
        })?;
        let doc: serde_json::Value =
            serde_json::from_str(&text).map_err(|e| CoreError::bad_file(&path, e.to_string()))?;
        let mut res = doc["youtube"].clone();
        if !res["snippet"].is_object() {
            return Err(CoreError::bad_file(&path, "no youtube.snippet"));
        }
        // Check the metadata against YouTube's limits once more: a hand-edited file must not fail mid-upload.
        let meta = studio_pipeline::metadata::VideoMetadata::from_snippet(&res["snippet"]);
        let problems = studio_pipeline::metadata::validate(&meta);
        if !problems.is_empty() {
            return Err(CoreError::bad_file(&path, problems.join("; ")));
        }
        let y = &self.config().youtube;
        let status = &mut res["status"];
        match publish_at {
            Some(at) => {
                status["privacyStatus"] = "private".into();
                status["publishAt"] = at.into();
            }
            None => status["privacyStatus"] = y.privacy.clone().into(),
        }
        // Declared on every upload, explicitly.
        status["containsSyntheticMedia"] = true.into();
        if !status["selfDeclaredMadeForKids"].is_boolean() {
            status["selfDeclaredMadeForKids"] = false.into();
        }
        Ok(res)
    }

    /// Uploads an approved episode to its channel (resuming whatever an earlier run left), then the thumbnail,
    /// captions, playlist entry and the status check. Idempotent: a finished upload is reported, not repeated.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; `ReconnectChannel`; `InvalidInput` for a missing or
    /// empty video; `YoutubeQuota`/`YoutubeUploadLimit` (parked until the reset); `Cancelled` between chunks (it
    /// resumes there); other YouTube errors by class.
    pub async fn publish_youtube(
        &self,
        series: &str,
        n: u32,
        channel: &str,
        cancel: CancellationToken,
    ) -> Result<UploadReport, CoreError> {
        let s = self.store().find_series(series).await?;
        let ch = self.channel(channel).await?;
        if ch.state == "reconnect_needed" {
            return Err(CoreError::Remote {
                code: ErrorCode::ReconnectChannel,
                message: format!(
                    "YouTube channel \"{}\" must be reconnected before it can publish: {}",
                    ch.name,
                    ch.state_detail.clone().unwrap_or_default()
                ),
                transient: false,
            });
        }
        let sid = s.id.clone();
        let rel = format!("series/{sid}/ep{n:03}/episode.mp4");
        let file = self.data_dir().join(&rel);
        let meta = std::fs::metadata(&file).map_err(|_| {
            CoreError::invalid(format!(
                "{} episode {n} has no rendered video yet ({rel})",
                s.title
            ))
        })?;
        let total = meta.len();
        if total == 0 {
            return Err(CoreError::invalid(format!("{rel} is empty")));
        }
        let mut publish_at = self.approved_publish_at(&sid, n).await?;
        // A slot that passed while the upload waited (quota, the channel's cap, an outage) moves to the next free
        // one: YouTube refuses a publishAt in the past.
        let mut moved_note = None;
        if publish_at
            .as_deref()
            .and_then(crate::clock::parse_rfc3339_utc)
            .is_some_and(|t| t < now_ms() + 3_600_000)
            && let Some(moved) = self.reschedule_after(&sid, n, now_ms()).await?
        {
            moved_note = Some(format!(
                "the publish time {} had passed; moved to the next free slot, {moved}",
                publish_at.as_deref().unwrap_or_default()
            ));
            publish_at = Some(moved);
        }
        // A finished upload is reported before anything is read or hashed (the file can be gigabytes).
        if let Some(done) = self
            .store()
            .upload(&sid, n)
            .await?
            .filter(|r| r.state == "done")
        {
            return Ok(UploadReport {
                series_id: sid,
                episode: n,
                channel_id: done.channel_id,
                video_id: done.video_id.unwrap_or_default(),
                publish_at: done.publish_at,
                privacy_status: done.privacy_status,
                forced_private: done.forced_private != 0,
                sessions_started: done.sessions_started,
                notes: Vec::new(),
                already_done: true,
            });
        }
        let mut resource = self.video_resource(&sid, n, publish_at.as_deref()).await?;
        let cleaned = studio_providers::youtube_text::clean_video_resource(&mut resource);
        let f2 = file.clone();
        let sha = tokio::task::spawn_blocking(move || sha256_file(&f2))
            .await
            .map_err(|e| CoreError::Internal(e.to_string()))??;
        let resource_json = resource.to_string();
        let prepare = || {
            self.store().prepare_upload(
                &sid,
                n,
                &ch.id,
                &rel,
                total,
                &sha,
                &resource_json,
                publish_at.as_deref(),
                now_ms(),
            )
        };
        let mut row = prepare().await?;
        let mut notes = cleaned;
        notes.extend(moved_note);
        if row.file_sha256 != sha && row.video_id.is_none() {
            // The file changed under a session that has bytes already: those bytes are of another file.
            self.store()
                .drop_upload_session(
                    &sid,
                    n,
                    "the video file changed; starting a new upload",
                    now_ms(),
                )
                .await?;
            row = prepare().await?;
        }
        let mut u = Upload {
            sid: sid.clone(),
            n,
            title: s.title.clone(),
            premise: s.premise.clone(),
            channel: ch.id.clone(),
            yt: self.youtube_client(),
            token: self.access_token(&ch.id, false).await?,
            file,
            total,
            resource,
            notes,
        };
        // 1. The bytes; 2–4. what follows them, each recorded done so a restart skips it; 5. the status check.
        let row_before = row.clone();
        let video_id = self.upload_bytes(&mut u, row, &cancel).await?;
        let row = self.store().upload(&sid, n).await?.unwrap_or(row_before);
        if row.thumbnail_done == 0 {
            self.upload_thumbnail(&mut u, &video_id).await?;
        }
        if row.captions_done == 0 {
            self.upload_captions(&mut u, &video_id).await?;
        }
        if row.playlist_done == 0 {
            self.add_to_series_playlist(&mut u, &video_id).await?;
        }
        let (got, forced_private) = self.check_uploaded_status(&mut u, &video_id).await?;
        self.store()
            .finish_upload(&sid, n, got.as_deref(), forced_private, now_ms())
            .await?;
        if publish_at.is_some() {
            let _ = self
                .store()
                .transition_episode(&sid, n, EpisodeStatus::schedule)
                .await;
        }
        match self.store().mark_published(&sid, n, Some(&video_id)).await {
            Ok(()) | Err(studio_store::StoreError::Transition(_)) => {}
            Err(e) => return Err(e.into()),
        }
        let row = self.store().upload(&sid, n).await?.unwrap_or(row);
        Ok(UploadReport {
            series_id: sid,
            episode: n,
            channel_id: ch.id,
            video_id,
            publish_at,
            privacy_status: got,
            forced_private,
            sessions_started: row.sessions_started,
            notes: u.notes,
            already_done: false,
        })
    }

    /// Step 1: sends the file's bytes through YouTube's resumable protocol, from wherever the stored session
    /// stands (a new session when there is none or it is gone). Returns the new video's id.
    ///
    /// # Errors
    /// `Cancelled` between chunks (the upload resumes there); quota, upload-limit and channel errors park the
    /// upload; repeated transient failures and three lost sessions in a row come back as transient errors.
    async fn upload_bytes(
        &self,
        u: &mut Upload,
        mut row: studio_store::UploadRow,
        cancel: &CancellationToken,
    ) -> Result<String, CoreError> {
        let y = &self.config().youtube;
        let chunk = (y.chunk_kib * 1024 / CHUNK_QUANTUM).max(1) * CHUNK_QUANTUM;
        let content_type = "video/mp4";
        let mut video: Option<String> = row.video_id.clone();
        let mut refreshed = false;
        let mut failures = 0u32;
        let mut new_sessions = 0u32;
        while video.is_none() {
            if cancel.is_cancelled() {
                return Err(CoreError::Cancelled(
                    "upload stopped; it resumes where it was".into(),
                ));
            }
            // Where are we? A stored session is asked; no session means a new one.
            let step: Result<(String, UploadProgress), YtError> = match &row.session_uri {
                Some(uri) => {
                    u.yt.query_upload(&u.token, uri, u.total)
                        .await
                        .map(|p| (uri.clone(), p))
                }
                None => {
                    if new_sessions >= 3 {
                        return Err(CoreError::Remote {
                            code: ErrorCode::YoutubeSessionGone,
                            message:
                                "YouTube dropped three upload sessions in a row; trying again later"
                                    .into(),
                            transient: true,
                        });
                    }
                    self.spend_quota(y.units.insert, true).await?;
                    match u
                        .yt
                        .start_upload(
                            &u.token,
                            &u.resource,
                            u.total,
                            content_type,
                            y.notify_subscribers,
                        )
                        .await
                    {
                        Ok(uri) => {
                            // Write-ahead: the session is on disk before any byte goes out.
                            self.store()
                                .set_upload_session(&u.sid, u.n, &uri, now_ms())
                                .await?;
                            new_sessions += 1;
                            Ok((
                                uri,
                                UploadProgress::Next {
                                    next: 0,
                                    new_uri: None,
                                },
                            ))
                        }
                        Err(e) => Err(e),
                    }
                }
            };
            let mut state = match step {
                Ok(s) => s,
                Err(e) => {
                    self.upload_trouble(
                        &u.sid,
                        u.n,
                        e,
                        &mut failures,
                        &mut refreshed,
                        &mut u.token,
                        &u.channel,
                    )
                    .await?;
                    row = self.store().upload(&u.sid, u.n).await?.unwrap_or(row);
                    continue;
                }
            };
            // Send chunks until done or trouble.
            loop {
                let (uri, progress) = state;
                match progress {
                    UploadProgress::Done(v) => {
                        let id = v["id"].as_str().map(str::to_string).ok_or_else(|| {
                            CoreError::Remote {
                                code: ErrorCode::YoutubeProtocol,
                                message: "the finished upload's reply has no video id".into(),
                                transient: true,
                            }
                        })?;
                        self.store()
                            .set_upload_video(&u.sid, u.n, &id, u.total, now_ms())
                            .await?;
                        video = Some(id);
                        break;
                    }
                    UploadProgress::Next { next, new_uri } => {
                        let uri = new_uri.unwrap_or(uri);
                        self.store()
                            .set_upload_progress(&u.sid, u.n, next, Some(&uri), now_ms())
                            .await?;
                        self.events().publish(EngineEvent::UploadProgress {
                            series_id: u.sid.clone(),
                            episode: u.n,
                            bytes_done: next,
                            bytes_total: u.total,
                        });
                        if cancel.is_cancelled() {
                            return Err(CoreError::Cancelled(format!(
                                "upload stopped at {next} of {} bytes; it resumes there",
                                u.total
                            )));
                        }
                        if next >= u.total {
                            // Everything is in but no video resource yet: ask the session.
                            state = match u.yt.query_upload(&u.token, &uri, u.total).await {
                                Ok(p) => (uri, p),
                                Err(e) => {
                                    self.upload_trouble(
                                        &u.sid,
                                        u.n,
                                        e,
                                        &mut failures,
                                        &mut refreshed,
                                        &mut u.token,
                                        &u.channel,
                                    )
                                    .await?;
                                    break;
                                }
                            };
                            if matches!(state.1, UploadProgress::Next { next, .. } if next >= u.total)
                            {
                                return Err(CoreError::Remote {
                                    code: ErrorCode::YoutubeProtocol,
                                    message:
                                        "YouTube has every byte but reports the upload unfinished"
                                            .into(),
                                    transient: true,
                                });
                            }
                            continue;
                        }
                        let len = chunk.min(u.total - next) as usize;
                        let f = u.file.clone();
                        let bytes = tokio::task::spawn_blocking(move || read_range(&f, next, len))
                            .await
                            .map_err(|e| CoreError::Internal(e.to_string()))??;
                        match u
                            .yt
                            .put_chunk(&u.token, &uri, bytes, next, u.total, content_type)
                            .await
                        {
                            Ok(p) => {
                                failures = 0;
                                state = (uri, p);
                            }
                            Err(e) => {
                                self.upload_trouble(
                                    &u.sid,
                                    u.n,
                                    e,
                                    &mut failures,
                                    &mut refreshed,
                                    &mut u.token,
                                    &u.channel,
                                )
                                .await?;
                                break;
                            }
                        }
                    }
                }
            }
            row = self.store().upload(&u.sid, u.n).await?.unwrap_or(row);
        }
        Ok(video.unwrap_or_default())
    }

    /// Step 2: the custom thumbnail (it needs a verified channel: a refusal is noted, not fatal).
    async fn upload_thumbnail(&self, u: &mut Upload, video_id: &str) -> Result<(), CoreError> {
        let y = &self.config().youtube;
        let ep_dir = self
            .data_dir()
            .join(format!("series/{}/ep{:03}", u.sid, u.n));
        let thumb = ep_dir.join("package/thumbnail.jpg");
        match std::fs::read(&thumb) {
            Ok(img) if img.len() <= 2 * 1024 * 1024 => {
                self.spend_quota(y.units.thumbnail, false).await?;
                match self
                    .retrying(&u.sid, u.n, &u.channel, &mut u.token, |t| {
                        let yt = u.yt.clone();
                        let img = img.clone();
                        let v = video_id.to_string();
                        async move { yt.set_thumbnail(&t, &v, img, "image/jpeg").await }
                    })
                    .await
                {
                    Ok(_) => u.notes.push("thumbnail set".into()),
                    Err(CoreError::Remote {
                        code: ErrorCode::YoutubeRefused,
                        message,
                        ..
                    }) => u.notes.push(format!("thumbnail not set: {message}")),
                    Err(e) => return Err(e),
                }
            }
            Ok(img) => u.notes.push(format!(
                "thumbnail not set: {} bytes is over YouTube's 2 MB limit",
                img.len()
            )),
            Err(_) => u.notes.push("no thumbnail in the package".into()),
        }
        self.store()
            .set_upload_step_done(&u.sid, u.n, UploadStep::Thumbnail)
            .await?;
        Ok(())
    }

    /// Step 3: our Korean SRT as the video's captions (when `[youtube] captions`).
    async fn upload_captions(&self, u: &mut Upload, video_id: &str) -> Result<(), CoreError> {
        let y = &self.config().youtube;
        let ep_dir = self
            .data_dir()
            .join(format!("series/{}/ep{:03}", u.sid, u.n));
        if y.captions {
            match std::fs::read(ep_dir.join("package/subtitles.ko.srt")) {
                Ok(srt) => {
                    self.spend_quota(y.units.caption, false).await?;
                    match self
                        .retrying(&u.sid, u.n, &u.channel, &mut u.token, |t| {
                            let yt = u.yt.clone();
                            let srt = srt.clone();
                            let v = video_id.to_string();
                            async move { yt.insert_caption(&t, &v, "ko", "한국어", srt).await }
                        })
                        .await
                    {
                        Ok(_) => u.notes.push("Korean captions added".into()),
                        Err(CoreError::Remote {
                            code: ErrorCode::YoutubeRefused,
                            message,
                            ..
                        }) => u.notes.push(format!("captions not added: {message}")),
                        Err(e) => return Err(e),
                    }
                }
                Err(_) => u.notes.push("no captions in the package".into()),
            }
        }
        self.store()
            .set_upload_step_done(&u.sid, u.n, UploadStep::Captions)
            .await?;
        Ok(())
    }

    /// Step 4: the series playlist (made once per channel), with the episode at its place in episode order.
    async fn add_to_series_playlist(
        &self,
        u: &mut Upload,
        video_id: &str,
    ) -> Result<(), CoreError> {
        let y = &self.config().youtube;
        if y.playlist {
            let playlist = match self.store().playlist(&u.sid, &u.channel).await? {
                Some(p) => p,
                None => {
                    self.spend_quota(y.units.playlist_insert, false).await?;
                    use studio_providers::youtube_text::{TextField, clean};
                    let (title, changed) = clean(TextField::PlaylistTitle, &u.title);
                    u.notes.extend(changed);
                    let (desc, changed) = clean(TextField::PlaylistDescription, &u.premise);
                    u.notes.extend(changed);
                    let p = self
                        .retrying(&u.sid, u.n, &u.channel, &mut u.token, |t| {
                            let yt = u.yt.clone();
                            let (title, desc) = (title.clone(), desc.clone());
                            async move { yt.create_playlist(&t, &title, &desc, "public").await }
                        })
                        .await?;
                    self.store().set_playlist(&u.sid, &u.channel, &p).await?;
                    p
                }
            };
            let pos = self
                .store()
                .playlist_position(&u.sid, &u.channel, u.n)
                .await?;
            self.spend_quota(y.units.playlist_item, false).await?;
            self.retrying(&u.sid, u.n, &u.channel, &mut u.token, |t| {
                let yt = u.yt.clone();
                let (p, v) = (playlist.clone(), video_id.to_string());
                async move { yt.add_to_playlist(&t, &p, &v, pos).await }
            })
            .await?;
            u.notes.push(format!(
                "added to the series playlist at position {}",
                pos + 1
            ));
        }
        self.store()
            .set_upload_step_done(&u.sid, u.n, UploadStep::Playlist)
            .await?;
        Ok(())
    }

    /// Step 5: what YouTube made of the upload — the privacy it really has (an unaudited API project forces every
    /// upload private: noted and alerted) and whether processing failed. Returns (privacy, forced private).
    ///
    /// # Errors
    /// `YoutubeRefused` when YouTube failed or rejected the video.
    async fn check_uploaded_status(
        &self,
        u: &mut Upload,
        video_id: &str,
    ) -> Result<(Option<String>, bool), CoreError> {
        let y = &self.config().youtube;
        let n = u.n;
        self.spend_quota(y.units.list, false).await?;
        let status = self
            .retrying(&u.sid, n, &u.channel, &mut u.token, |t| {
                let yt = u.yt.clone();
                let v = video_id.to_string();
                async move { yt.video_status(&t, &v).await }
            })
            .await?;
        let wanted = u.resource["status"]["privacyStatus"]
            .as_str()
            .unwrap_or("private")
            .to_string();
        let got = status
            .as_ref()
            .and_then(|v| v["status"]["privacyStatus"].as_str())
            .map(str::to_string);
        let forced_private = wanted != "private" && got.as_deref() == Some("private");
        if forced_private {
            let m = format!(
                "YouTube made {} episode {n} private although it was uploaded as {wanted}: the Google Cloud project \
                 has not passed YouTube's API audit, so every API upload is locked private. Make it {wanted} in YouTube \
                 Studio, or apply for the audit.",
                u.title
            );
            u.notes.push(m.clone());
            self.raise_alert(
                &format!("forced_private:{}:{n}", u.sid),
                AlertLevel::Warning,
                crate::events::AlertAbout::ForcedPrivate {
                    series_id: u.sid.clone(),
                    episode: n,
                },
                m,
            )
            .await;
        }
        if let Some(v) = &status
            && let Some(us) = v["status"]["uploadStatus"].as_str()
            && (us == "failed" || us == "rejected")
        {
            return Err(CoreError::Remote {
                code: ErrorCode::YoutubeRefused,
                message: format!(
                    "YouTube {us} the video ({}): see YouTube Studio",
                    v["status"]["failureReason"]
                        .as_str()
                        .or(v["status"]["rejectionReason"].as_str())
                        .unwrap_or("no reason given")
                ),
                transient: false,
            });
        }
        Ok((got, forced_private))
    }
}
