//! YouTube channels: the connected ones, connecting one, choosing one for a series.

use serde::{Deserialize, Serialize};
use studio_store::ChannelRow;

use super::NoArgs;
use crate::{AlertLevel, CoreError, Engine};

/// Publish a series to a connected channel, or to the export folder only.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct PublishChannelArgs {
    pub series: String,
    /// The channel id (`UC…`) or name; absent (or null) for the export folder only.
    #[serde(default)]
    #[ts(optional)]
    pub channel: Option<String>,
}

/// A started Google sign-in: the page to open. The studio finishes the sign-in when Google sends the browser back,
/// and an alert says whether the channel was connected.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct ChannelConnect {
    pub url: String,
}

/// How long a started sign-in waits for the person.
const SIGN_IN_WAIT: std::time::Duration = std::time::Duration::from_secs(600);

impl Engine {
    /// Starts connecting a YouTube channel: returns the sign-in page; the loopback listener finishes the flow in
    /// the background.
    ///
    /// # Errors
    /// As [`Engine::begin_channel_connect`] (no OAuth client configured, the loopback port cannot be opened).
    pub async fn start_channel_connect(
        self: &std::sync::Arc<Self>,
    ) -> Result<ChannelConnect, CoreError> {
        let flow = self.begin_channel_connect().await?;
        let url = flow.url.clone();
        let engine = self.clone();
        tokio::spawn(async move {
            if let Err(err) = engine.finish_channel_connect(flow, SIGN_IN_WAIT).await {
                engine
                    .raise_alert(
                        &String::from("channel_not_connected"),
                        AlertLevel::Warning,
                        crate::events::AlertAbout::ChannelNotConnected { code: err.code() },
                        format!(
                            "the YouTube channel was not connected: {}",
                            err.payload().message
                        ),
                    )
                    .await;
            }
        });
        Ok(ChannelConnect { url })
    }

    /// [`Engine::set_publish_channel`], answering with the channels as they are now.
    async fn publish_channel_set(
        &self,
        series: &str,
        channel: Option<&str>,
    ) -> Result<Vec<ChannelRow>, CoreError> {
        self.set_publish_channel(series, channel).await?;
        self.channels().await
    }
}

/// Publish an approved episode now.
#[derive(Debug, Clone, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(deny_unknown_fields)]
pub struct PublishArgs {
    pub series: String,
    pub episode: u32,
    /// A connected channel id; the series' channel when not given (the folder copy only when it has none).
    #[serde(default)]
    #[ts(optional)]
    pub channel: Option<String>,
}

commands! {
    /// Publishes an approved episode now: the export folder, then YouTube when a channel is given or set.
    publish(PublishArgs) -> crate::PublishReport = |e, a| {
        e.publish_episode(&a.series, a.episode, a.channel.as_deref(), Default::default()).await
    };
    /// The connected YouTube channels with their state and today's quota.
    channels_list(NoArgs) -> Vec<ChannelRow> = |e, _| e.channels().await;
    /// Starts the Google sign-in that connects a channel; open the returned page.
    channel_connect(NoArgs) -> ChannelConnect = |e, _| e.start_channel_connect().await;
    /// Publishes a series to a connected channel (or the export folder only); returns the channels.
    publish_channel_set(PublishChannelArgs) -> Vec<ChannelRow> = |e, a| {
        e.publish_channel_set(&a.series, a.channel.as_deref()).await
    };
}
