//! Channels: the Google sign-in (loopback flow), stored tokens and their refresh, which channel a series publishes to.

use super::*;

impl Engine {
    pub fn youtube_client(&self) -> YouTube {
        let c = self.config();
        YouTube::new(
            c.endpoint("youtube").unwrap_or_default(),
            c.endpoint("youtube_upload").unwrap_or_default(),
        )
        .with_analytics_base(c.endpoint("youtube_analytics").unwrap_or_default())
        .with_limits(self.rate_limits())
    }

    pub(super) async fn oauth_client(&self) -> Result<GoogleOAuth, CoreError> {
        let c = self.config();
        let client_id = self
            .env_var("AIDAS_YOUTUBE_CLIENT_ID")
            .map(str::to_string)
            .unwrap_or_else(|| c.youtube.client_id.clone());
        if client_id.is_empty() {
            return Err(CoreError::invalid(
                "no Google OAuth client is configured: create a \"Desktop app\" OAuth client in Google Cloud, put its \
                 id in the settings (YouTube client id) and its secret with the API keys (provider \"youtube\")",
            ));
        }
        let secret = self
            .secret("youtube")
            .await?
            .map(|s| s.expose().to_string());
        Ok(GoogleOAuth::new(
            &client_id,
            secret,
            c.endpoint("google_oauth_auth").unwrap_or_default(),
            c.endpoint("google_oauth_token").unwrap_or_default(),
        ))
    }

    /// Starts connecting a channel: returns the URL to open in a browser; the loopback listener waits for it.
    ///
    /// # Errors
    /// `InvalidInput` when no Google OAuth client is configured; the sign-in setup's errors by class
    /// (`InvalidConfig`, `Network`).
    pub async fn begin_channel_connect(&self) -> Result<LoopbackFlow, CoreError> {
        self.oauth_client()
            .await?
            .begin(YOUTUBE_SCOPES)
            .await
            .map_err(oauth_error)
    }

    /// Finishes connecting: the code exchange, the channel's id and title, tokens into the keyring.
    ///
    /// # Errors
    /// `OauthDenied`, `OauthStateMismatch`, `OauthTimeout` or `OauthRefused` for the sign-in; YouTube errors by
    /// class reading the channel; keyring errors storing the tokens.
    pub async fn finish_channel_connect(
        &self,
        flow: LoopbackFlow,
        timeout: Duration,
    ) -> Result<ChannelRow, CoreError> {
        let tokens = self
            .oauth_client()
            .await?
            .finish(flow, timeout)
            .await
            .map_err(oauth_error)?;
        let (id, title) = self
            .youtube_client()
            .my_channel(&tokens.access_token)
            .await
            .map_err(yt_error)?;
        self.save_tokens(&id, &tokens).await?;
        self.store()
            .upsert_channel(&id, &title, Some(&id), &serde_json::json!({}))
            .await?;
        self.store()
            .set_channel_state(&id, "connected", None)
            .await?;
        self.raise_alert(
            &format!("channel_connected:{id}"),
            AlertLevel::Info,
            crate::events::AlertAbout::ChannelConnected {
                name: title.clone(),
            },
            format!("YouTube channel \"{title}\" connected"),
        )
        .await;
        self.channel(&id).await
    }

    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn channels(&self) -> Result<Vec<ChannelRow>, CoreError> {
        Ok(self.store().channel_rows().await?)
    }

    pub(super) async fn channel(&self, id: &str) -> Result<ChannelRow, CoreError> {
        self.channels()
            .await?
            .into_iter()
            .find(|c| c.id == id || c.name == id)
            .ok_or_else(|| {
                CoreError::invalid(format!(
                    "no channel \"{id}\" is connected: pick one of the connected channels or connect it first"
                ))
            })
    }

    pub(super) async fn save_tokens(&self, channel_id: &str, t: &Tokens) -> Result<(), CoreError> {
        let json = serde_json::to_string(t).map_err(|e| CoreError::Internal(e.to_string()))?;
        self.set_secret(&token_key(channel_id), Secret::new(json))
            .await?;
        Ok(())
    }

    /// A working access token for the channel: the stored one while fresh, else refreshed (and stored). A refused
    /// refresh token marks the channel "reconnect needed" and raises an alert.
    pub(crate) async fn access_token(
        &self,
        channel_id: &str,
        force_refresh: bool,
    ) -> Result<String, CoreError> {
        let stored = self.secret(&token_key(channel_id)).await?.ok_or_else(|| {
            CoreError::Remote {
                code: ErrorCode::ReconnectChannel,
                message: format!(
                    "channel {channel_id} has no sign-in stored on this machine: connect it again"
                ),
                transient: false,
            }
        })?;
        let tokens: Tokens =
            serde_json::from_str(stored.expose()).map_err(|_| CoreError::Remote {
                code: ErrorCode::ReconnectChannel,
                message: format!(
                    "channel {channel_id}'s stored sign-in is unreadable: connect it again"
                ),
                transient: false,
            })?;
        if !force_refresh && tokens.fresh(now_ms(), 120_000) {
            return Ok(tokens.access_token);
        }
        let Some(refresh) = tokens.refresh_token.clone() else {
            return Err(CoreError::Remote {
                code: ErrorCode::ReconnectChannel,
                message: format!("channel {channel_id} has no refresh token: connect it again"),
                transient: false,
            });
        };
        match self.oauth_client().await?.refresh(&refresh).await {
            Ok(t) => {
                self.save_tokens(channel_id, &t).await?;
                Ok(t.access_token)
            }
            Err(e @ OAuthError::Reconnect(_)) => {
                self.store()
                    .set_channel_state(channel_id, "reconnect_needed", Some(&e.to_string()))
                    .await?;
                self.raise_alert(
                    &format!("reconnect_channel:{channel_id}"),
                    AlertLevel::Warning,
                    crate::events::AlertAbout::ReconnectChannel {
                        channel_id: channel_id.to_string(),
                    },
                    format!("YouTube channel {channel_id} must be reconnected: {e}"),
                )
                .await;
                Err(oauth_error(e))
            }
            Err(e) => Err(oauth_error(e)),
        }
    }

    /// The channel a series publishes to: `aidas channel use`, else `[youtube] default_channel`, else none (the
    /// folder publisher only). A series set to "export folder only" has none even when a default channel is set.
    ///
    /// # Errors
    /// `Database` (and `CorruptData`) from the store.
    pub async fn publish_channel(&self, series_id: &str) -> Result<Option<String>, CoreError> {
        if let Some(c) = self
            .store()
            .setting::<String>(&format!("publish_channel/{series_id}"))
            .await?
        {
            // An empty choice is "export folder only", kept so the default channel does not apply again.
            return Ok((!c.is_empty()).then_some(c));
        }
        Ok(self.config().youtube.default_channel.clone())
    }

    /// Where a series publishes from now on: a connected channel (by id or name), or `None` for the export folder
    /// only. Episodes already uploaded stay where they are.
    ///
    /// # Errors
    /// `UnknownSeries` when no series has that id or title; an error naming the channel when it is not connected;
    /// `Database` (and `CorruptData`) from the store.
    pub async fn set_publish_channel(
        &self,
        series: &str,
        channel: Option<&str>,
    ) -> Result<(), CoreError> {
        let s = self.store().find_series(series).await?;
        let id = match channel {
            Some(c) => self.channel(c).await?.id,
            None => String::new(),
        };
        self.store()
            .set_setting(&format!("publish_channel/{}", s.id), &id)
            .await?;
        Ok(())
    }
}
