//! Where alerts go besides the studio's own screens: a plain webhook (`[production] alert_webhook_url`, or the
//! keyring's `webhook` secret), Slack,
//! Discord, Telegram and e-mail, each with the least level it receives (severity routing: by default a critical alert
//! goes everywhere, a warning to Slack, Discord and the webhook only, information nowhere).
//!
//! Message formats (each service's own documentation):
//! - Slack incoming webhook: `POST <webhook URL>` with `{"text": …}` (api.slack.com/messaging/webhooks; `text` is
//!   mrkdwn, at most 40 000 characters are kept).
//! - Discord webhook: `POST <webhook URL>` with `{"username", "content", "allowed_mentions": {"parse": []}}`
//!   (discord.com/developers/docs/resources/webhook#execute-webhook; `content` at most 2 000 characters).
//! - Telegram Bot API: `POST {base}/bot<token>/sendMessage` with `{"chat_id", "text", "disable_web_page_preview"}`
//!   (core.telegram.org/bots/api#sendmessage; `text` at most 4 096 characters, plain text — no parse mode, so
//!   nothing needs escaping).
//! - E-mail: one plain-text UTF-8 message over SMTP (STARTTLS on 587 by default, TLS on 465, or none for a
//!   local relay) through `lettre`; the password is the keyring's `smtp` secret.
//!
//! The Slack and Discord webhook URLs and the Telegram bot token are credentials — anyone holding one can post —
//! so they are secrets in the OS keyring (`slack`, `discord`, `telegram`), not settings.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::events::AlertLevel;
use crate::{CoreError, Engine};

/// The least level a channel receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum AlertRoute {
    /// Nothing is sent.
    Off,
    /// Critical alerts only.
    Critical,
    /// Warnings and critical alerts.
    Warning,
    /// Everything, information too.
    All,
}

impl AlertRoute {
    /// Whether an alert of `level` goes to a channel routed so.
    pub fn takes(self, level: AlertLevel) -> bool {
        match self {
            AlertRoute::Off => false,
            AlertRoute::Critical => level == AlertLevel::Critical,
            AlertRoute::Warning => level != AlertLevel::Info,
            AlertRoute::All => true,
        }
    }
}

/// How the SMTP connection is secured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum SmtpSecurity {
    /// Plain connection upgraded with STARTTLS (required), usually port 587.
    Starttls,
    /// TLS from the first byte ("SMTPS"), usually port 465.
    Tls,
    /// No encryption: only for a relay on this machine or the local network.
    None,
}

/// `[alerts]` in config.toml: the channels' routing and the parts of them that are not secret.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ts_rs::TS)]
#[ts(export)]
#[serde(default)]
pub struct AlertsConfig {
    /// The least level POSTed to `[production] alert_webhook_url`.
    pub webhook_level: AlertRoute,
    /// The least level sent to Slack (the incoming-webhook URL is the keyring's `slack` secret).
    pub slack_level: AlertRoute,
    /// The least level sent to Discord (the webhook URL is the keyring's `discord` secret).
    pub discord_level: AlertRoute,
    /// The least level sent to Telegram (the bot token is the keyring's `telegram` secret).
    pub telegram_level: AlertRoute,
    /// The chat (a number, or `@channelname`) the bot writes to.
    pub telegram_chat_id: String,
    /// The least level e-mailed.
    pub email_level: AlertRoute,
    /// Recipients, separated by commas.
    pub email_to: String,
    /// The sender address (default: `smtp_user`).
    pub email_from: String,
    /// The SMTP server's host name; empty means no e-mail.
    pub smtp_host: String,
    /// 587 for STARTTLS, 465 for TLS, 25 for a local relay.
    pub smtp_port: u16,
    /// The account to sign in with (the password is the keyring's `smtp` secret); empty sends without signing in.
    pub smtp_user: String,
    pub smtp_security: SmtpSecurity,
}

impl Default for AlertsConfig {
    fn default() -> Self {
        Self {
            webhook_level: AlertRoute::Warning,
            slack_level: AlertRoute::Warning,
            discord_level: AlertRoute::Warning,
            telegram_level: AlertRoute::Critical,
            telegram_chat_id: String::new(),
            email_level: AlertRoute::Critical,
            email_to: String::new(),
            email_from: String::new(),
            smtp_host: String::new(),
            smtp_port: 587,
            smtp_user: String::new(),
            smtp_security: SmtpSecurity::Starttls,
        }
    }
}

impl AlertsConfig {
    /// What is wrong with these settings ("alerts.key: what (an example)").
    pub fn problems(&self) -> Vec<String> {
        let mut p = Vec::new();
        for (key, list) in [
            ("alerts.email_to", &self.email_to),
            ("alerts.email_from", &self.email_from),
        ] {
            for a in list.split(',').map(str::trim).filter(|a| !a.is_empty()) {
                if a.parse::<lettre::Address>().is_err() {
                    p.push(format!(
                        "{key}: \"{a}\" is not an e-mail address (e.g. studio@example.com)"
                    ));
                }
            }
        }
        if !self.smtp_host.is_empty() && self.email_to.trim().is_empty() {
            p.push("alerts.email_to: an SMTP server is set but nobody to write to (e.g. studio@example.com)".into());
        }
        // A password over a plain connection is readable on the way: only to a relay on this machine.
        if self.smtp_security == SmtpSecurity::None
            && !self.smtp_user.is_empty()
            && !is_loopback(&self.smtp_host)
        {
            p.push(format!(
                "alerts.smtp_security: \"none\" would send the password for {} unencrypted to {}; use \"starttls\" (587) or \"tls\" (465)",
                self.smtp_user, self.smtp_host
            ));
        }
        if self.smtp_port == 0 {
            p.push("alerts.smtp_port: 0 is not a port (587 for STARTTLS, 465 for TLS)".into());
        }
        let chat = self.telegram_chat_id.trim();
        if !chat.is_empty()
            && chat.parse::<i64>().is_err()
            && !(chat.starts_with('@') && chat.len() > 1)
        {
            p.push(format!(
                "alerts.telegram_chat_id: \"{chat}\" is neither a chat number nor an @channel name (e.g. -1001234567890)"
            ));
        }
        p
    }
}

/// Whether `host` is this machine (a relay here may take mail without encryption).
fn is_loopback(host: &str) -> bool {
    let h = host.trim().trim_start_matches('[').trim_end_matches(']');
    h.eq_ignore_ascii_case("localhost")
        || h.parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback())
}

/// A Telegram bot token as BotFather gives it: the bot's number, a colon, letters, digits, `_` and `-` — checked
/// before it goes into the request path, so a pasted slash or query cannot change the URL.
fn is_bot_token(t: &str) -> bool {
    let Some((id, secret)) = t.split_once(':') else {
        return false;
    };
    !id.is_empty()
        && id.bytes().all(|b| b.is_ascii_digit())
        && !secret.is_empty()
        && secret
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

/// The places an alert can go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum AlertChannel {
    Webhook,
    Slack,
    Discord,
    Telegram,
    Email,
}

/// A part of a channel's setup that is missing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum AlertPart {
    /// The webhook URL (`[production] alert_webhook_url` or the `webhook` key).
    WebhookUrl,
    /// The Slack incoming-webhook URL (the `slack` key).
    SlackUrl,
    /// The Discord webhook URL (the `discord` key).
    DiscordUrl,
    /// The Telegram bot token (the `telegram` key).
    BotToken,
    /// `[alerts] telegram_chat_id`.
    ChatId,
    /// `[alerts] smtp_host`.
    MailServer,
    /// `[alerts] email_to`.
    Recipients,
    /// The mail account's password (the `smtp` key), when `smtp_user` is set.
    MailPassword,
}

/// Why a channel did not take an alert, as a value the screens word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(rename_all = "snake_case")]
pub enum AlertFailure {
    /// The service could not be reached (no connection, a wrong host or port, a timeout).
    Unreachable,
    /// The service answered but refused it (HTTP 4xx, an SMTP refusal): a wrong address, token, chat or password.
    Refused,
    /// The service had a problem of its own (HTTP 5xx): try again later.
    ServiceError,
    /// A stored value is not of the right form (a bot token that is not BotFather's).
    BadSetting,
    /// The password would have gone unencrypted to another machine: not sent.
    Unencrypted,
}

/// What became of one alert on one channel.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum AlertSent {
    /// The service took it.
    Sent,
    /// The channel is not set up: what is missing.
    NotSetUp { missing: Vec<AlertPart> },
    /// The channel takes only alerts above this one's level.
    NotRouted,
    /// The service refused it or could not be reached: why, and its own answer (without the URL or token).
    Failed { cause: AlertFailure, reason: String },
}

impl AlertSent {
    fn missing(parts: Vec<AlertPart>) -> Self {
        AlertSent::NotSetUp { missing: parts }
    }
    fn failed(cause: AlertFailure, reason: impl Into<String>) -> Self {
        AlertSent::Failed {
            cause,
            reason: reason.into(),
        }
    }
}

/// One channel's outcome.
#[derive(Debug, Clone, PartialEq, Serialize, ts_rs::TS)]
#[ts(export)]
pub struct AlertDelivery {
    pub channel: AlertChannel,
    pub route: AlertRoute,
    pub sent: AlertSent,
}

/// An alert as the channels word it.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing<'a> {
    pub level: AlertLevel,
    pub message: &'a str,
    /// A test alert: titled as one, not as an emergency.
    pub test: bool,
}

impl Outgoing<'_> {
    fn title(&self) -> &'static str {
        if self.test {
            return "AIDAS Studio — 테스트 알림 (test)";
        }
        match self.level {
            AlertLevel::Info => "AIDAS Studio — information",
            AlertLevel::Warning => "AIDAS Studio — warning",
            AlertLevel::Critical => "AIDAS Studio — critical",
        }
    }
    fn mark(&self) -> &'static str {
        if self.test {
            return "🔔";
        }
        match self.level {
            AlertLevel::Info => "ℹ️",
            AlertLevel::Warning => "⚠️",
            AlertLevel::Critical => "🔴",
        }
    }

    /// The Slack incoming-webhook body.
    pub fn slack(&self) -> serde_json::Value {
        let text = format!("{} *{}*\n{}", self.mark(), self.title(), self.message);
        serde_json::json!({ "text": cut(&text, 40_000) })
    }

    /// The Discord execute-webhook body (no one is mentioned, whatever the text holds).
    pub fn discord(&self) -> serde_json::Value {
        let text = format!("{} **{}**\n{}", self.mark(), self.title(), self.message);
        serde_json::json!({
            "username": "AIDAS Studio",
            "content": cut(&text, 2_000),
            "allowed_mentions": { "parse": [] },
        })
    }

    /// The Telegram `sendMessage` body.
    pub fn telegram(&self, chat_id: &str) -> serde_json::Value {
        let text = format!("{} {}\n{}", self.mark(), self.title(), self.message);
        // A numeric id is sent as a number, an @name as a string (both are what the Bot API accepts).
        let chat = chat_id
            .trim()
            .parse::<i64>()
            .map(serde_json::Value::from)
            .unwrap_or_else(|_| serde_json::Value::from(chat_id.trim()));
        serde_json::json!({ "chat_id": chat, "text": cut(&text, 4_096), "disable_web_page_preview": true })
    }

    /// The e-mail's subject and plain-text body.
    pub fn email(&self) -> (String, String) {
        let first = self.message.lines().next().unwrap_or_default();
        (
            format!("[{}] {}", self.title(), cut(first, 120)),
            format!(
                "{}\n\n— AIDAS Studio (change where alerts go under Settings → Alerts)\n",
                self.message
            ),
        )
    }
}

/// At most `max` characters, the last one an ellipsis when cut.
fn cut(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_string()
    } else {
        let mut out: String = s.chars().take(max.saturating_sub(1)).collect();
        out.push('…');
        out
    }
}

impl Engine {
    /// Sends an alert (`rule` names it for the webhook: `spend:daily cap`, `test`, …) to every channel routed for its
    /// level, all at once, each within 15 s; answers what became of it per channel. A channel that fails is logged
    /// and reported, never an error.
    pub async fn deliver_alert(
        &self,
        rule: &str,
        level: AlertLevel,
        message: &str,
    ) -> Vec<AlertDelivery> {
        let cfg = self.config();
        let a = &cfg.alerts;
        let out = Outgoing {
            level,
            message,
            test: rule == "test",
        };
        let secret = |name: &'static str| async move {
            self.secret(name)
                .await
                .ok()
                .flatten()
                .filter(|s| !s.expose().trim().is_empty())
        };
        let client = reqwest::Client::builder()
            .timeout(Duration::from_secs(15))
            .build();
        let post = |url: String, body: serde_json::Value| {
            let client = client.as_ref().ok().cloned();
            async move {
                let Some(client) = client else {
                    return AlertSent::failed(
                        AlertFailure::Unreachable,
                        "no HTTP client could be made",
                    );
                };
                match client.post(&url).json(&body).send().await {
                    Ok(r) if r.status().is_success() => AlertSent::Sent,
                    Ok(r) => {
                        let status = r.status();
                        let text = r.text().await.unwrap_or_default();
                        AlertSent::failed(
                            if status.is_server_error() {
                                AlertFailure::ServiceError
                            } else {
                                AlertFailure::Refused
                            },
                            format!("HTTP {status}: {}", cut(text.trim(), 200)),
                        )
                    }
                    Err(e) => {
                        AlertSent::failed(AlertFailure::Unreachable, e.without_url().to_string())
                    }
                }
            }
        };
        let routed = |route: AlertRoute| route.takes(level);

        let webhook = async {
            // The URL in config.toml, else the one stored as the `webhook` secret (a URL with a token in it).
            let url = match cfg
                .production
                .alert_webhook_url
                .clone()
                .filter(|u| !u.is_empty())
            {
                Some(u) => Some(u),
                None => secret("webhook")
                    .await
                    .map(|s| s.expose().trim().to_string()),
            };
            match (routed(a.webhook_level), url) {
                (_, None) => AlertSent::missing(vec![AlertPart::WebhookUrl]),
                (false, _) => AlertSent::NotRouted,
                (true, Some(url)) => {
                    post(
                        url,
                        serde_json::json!({ "source": "aidas-studio", "rule": rule, "level": level, "message": message }),
                    )
                    .await
                }
            }
        };
        let slack = async {
            match (routed(a.slack_level), secret("slack").await) {
                (_, None) => AlertSent::missing(vec![AlertPart::SlackUrl]),
                (false, _) => AlertSent::NotRouted,
                (true, Some(url)) => post(url.expose().trim().to_string(), out.slack()).await,
            }
        };
        let discord = async {
            match (routed(a.discord_level), secret("discord").await) {
                (_, None) => AlertSent::missing(vec![AlertPart::DiscordUrl]),
                (false, _) => AlertSent::NotRouted,
                (true, Some(url)) => post(url.expose().trim().to_string(), out.discord()).await,
            }
        };
        let telegram = async {
            let token = secret("telegram").await;
            let chat = a.telegram_chat_id.trim();
            let mut missing = Vec::new();
            if token.is_none() {
                missing.push(AlertPart::BotToken);
            }
            if chat.is_empty() {
                missing.push(AlertPart::ChatId);
            }
            match (routed(a.telegram_level), token) {
                _ if !missing.is_empty() => AlertSent::missing(missing),
                (false, _) => AlertSent::NotRouted,
                (true, Some(token)) if !is_bot_token(token.expose().trim()) => AlertSent::failed(
                    AlertFailure::BadSetting,
                    "the stored Telegram bot token does not look like one (digits, a colon, then letters and digits, as BotFather gives it)",
                ),
                (_, None) => AlertSent::missing(vec![AlertPart::BotToken]),
                (true, Some(token)) => {
                    let base = cfg.endpoint("telegram").unwrap_or_default();
                    let url = format!(
                        "{}/bot{}/sendMessage",
                        base.trim_end_matches('/'),
                        token.expose().trim()
                    );
                    post(url, out.telegram(chat)).await
                }
            }
        };
        let email = async {
            let password = if a.smtp_user.is_empty() {
                None
            } else {
                secret("smtp").await
            };
            let mut missing = Vec::new();
            if a.smtp_host.trim().is_empty() {
                missing.push(AlertPart::MailServer);
            }
            if a.email_to.trim().is_empty() {
                missing.push(AlertPart::Recipients);
            }
            if !a.smtp_user.is_empty() && password.is_none() {
                missing.push(AlertPart::MailPassword);
            }
            if !missing.is_empty() {
                AlertSent::missing(missing)
            } else if !routed(a.email_level) {
                AlertSent::NotRouted
            } else {
                let (subject, body) = out.email();
                match send_email(a, password.as_ref().map(|p| p.expose()), &subject, body).await {
                    Ok(()) => AlertSent::Sent,
                    Err((cause, reason)) => AlertSent::failed(cause, reason),
                }
            }
        };
        let (w, s, d, t, e) = tokio::join!(webhook, slack, discord, telegram, email);
        let all = [
            (AlertChannel::Webhook, a.webhook_level, w),
            (AlertChannel::Slack, a.slack_level, s),
            (AlertChannel::Discord, a.discord_level, d),
            (AlertChannel::Telegram, a.telegram_level, t),
            (AlertChannel::Email, a.email_level, e),
        ];
        all.into_iter()
            .map(|(channel, route, sent)| {
                if let AlertSent::Failed { reason, .. } = &sent {
                    tracing::warn!(?channel, %reason, "an alert could not be sent");
                }
                AlertDelivery {
                    channel,
                    route,
                    sent,
                }
            })
            .collect()
    }

    /// Sends a test alert (critical, so every channel that is set up and not off receives it) and answers what
    /// became of it per channel: the "send a test alert" of the CLI and the settings screen.
    ///
    /// # Errors
    /// None today; the signature leaves room for the store (a test alert is not recorded).
    pub async fn send_test_alert(&self) -> Result<Vec<AlertDelivery>, CoreError> {
        let mut d = self
            .deliver_alert(
                "test",
                AlertLevel::Critical,
                "AIDAS Studio 테스트 알림입니다. 여기서 보인다면 이 채널은 작동합니다.\n\
                 This is a test alert from AIDAS Studio. If you can read it here, this channel works.",
            )
            .await;
        // A channel set to off said so above as "not routed"; a test alert skips nothing else.
        d.sort_by_key(|x| matches!(x.sent, AlertSent::NotSetUp { .. }));
        Ok(d)
    }
}

/// One message over SMTP. Errors are why, and the reason in words (the server's answer or why it could not be
/// reached).
async fn send_email(
    a: &AlertsConfig,
    password: Option<&str>,
    subject: &str,
    body: String,
) -> Result<(), (AlertFailure, String)> {
    let bad = |r: String| (AlertFailure::BadSetting, r);
    use lettre::message::{Mailbox, header::ContentType};
    use lettre::transport::smtp::authentication::Credentials;
    use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

    let from_text = if a.email_from.trim().is_empty() {
        a.smtp_user.trim()
    } else {
        a.email_from.trim()
    };
    let from: Mailbox = from_text.parse().map_err(|_| {
        bad(format!(
            "\"{from_text}\" is not a sender address (set alerts.email_from)"
        ))
    })?;
    let mut msg = Message::builder().from(from).subject(subject);
    for to in a
        .email_to
        .split(',')
        .map(str::trim)
        .filter(|t| !t.is_empty())
    {
        let to: Mailbox = to
            .parse()
            .map_err(|_| bad(format!("\"{to}\" is not an e-mail address")))?;
        msg = msg.to(to);
    }
    let msg = msg
        .header(ContentType::TEXT_PLAIN)
        .body(body)
        .map_err(|e| bad(e.to_string()))?;
    let host = a.smtp_host.trim();
    let builder = match a.smtp_security {
        SmtpSecurity::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
            .map_err(|e| bad(e.to_string()))?,
        SmtpSecurity::Tls => {
            AsyncSmtpTransport::<Tokio1Executor>::relay(host).map_err(|e| bad(e.to_string()))?
        }
        SmtpSecurity::None => AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host),
    };
    let mut builder = builder
        .port(a.smtp_port)
        .timeout(Some(Duration::from_secs(15)));
    if !a.smtp_user.is_empty() {
        if a.smtp_security == SmtpSecurity::None && !is_loopback(host) {
            return Err((
                AlertFailure::Unencrypted,
                format!(
                    "the password would go unencrypted to {host}: set the connection security to STARTTLS or TLS"
                ),
            ));
        }
        let Some(pw) = password else {
            return Err(bad("no password for the mail account is stored".into()));
        };
        builder = builder.credentials(Credentials::new(a.smtp_user.clone(), pw.to_string()));
    }
    builder.build().send(msg).await.map(|_| ()).map_err(|e| {
        // A refusal from the server (a permanent or transient SMTP code) is the account's or address's; anything
        // else is the way there.
        let cause = if e.is_permanent() || e.is_transient() {
            AlertFailure::Refused
        } else {
            AlertFailure::Unreachable
        };
        (cause, e.to_string())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn routes_take_their_level_and_above() {
        use AlertLevel::*;
        let takes = |r: AlertRoute| [Info, Warning, Critical].map(|l| r.takes(l));
        assert_eq!(takes(AlertRoute::Off), [false, false, false]);
        assert_eq!(takes(AlertRoute::Critical), [false, false, true]);
        assert_eq!(takes(AlertRoute::Warning), [false, true, true]);
        assert_eq!(takes(AlertRoute::All), [true, true, true]);
    }

    #[test]
    fn each_service_gets_its_own_shape_within_its_limits() {
        let long = "가".repeat(5_000);
        let o = Outgoing {
            level: AlertLevel::Critical,
            message: &long,
            test: false,
        };
        let d = o.discord();
        assert_eq!(d["content"].as_str().unwrap().chars().count(), 2_000);
        assert!(d["content"].as_str().unwrap().ends_with('…'));
        assert_eq!(d["allowed_mentions"]["parse"], serde_json::json!([]));
        let t = o.telegram("-1001234567890");
        assert_eq!(t["chat_id"], serde_json::json!(-1001234567890_i64));
        assert_eq!(t["text"].as_str().unwrap().chars().count(), 4_096);
        assert_eq!(o.telegram("@studio")["chat_id"], "@studio");
        let short = Outgoing {
            level: AlertLevel::Warning,
            message: "$8.10 of the $10.00 daily cap is spent",
            test: false,
        };
        assert_eq!(
            short.slack()["text"],
            "⚠️ *AIDAS Studio — warning*\n$8.10 of the $10.00 daily cap is spent"
        );
        let (subject, body) = short.email();
        assert_eq!(
            subject,
            "[AIDAS Studio — warning] $8.10 of the $10.00 daily cap is spent"
        );
        assert!(body.starts_with("$8.10 of the $10.00 daily cap is spent\n"));
    }

    #[test]
    fn bad_addresses_and_chats_are_named() {
        let c = AlertsConfig {
            email_to: "studio@example.com, not an address".into(),
            smtp_host: "smtp.example.com".into(),
            telegram_chat_id: "my chat".into(),
            ..Default::default()
        };
        let p = c.problems();
        assert_eq!(p.len(), 2, "{p:?}");
        assert!(p[0].starts_with("alerts.email_to: \"not an address\""));
        assert!(p[1].starts_with("alerts.telegram_chat_id: \"my chat\""));
        let no_one = AlertsConfig {
            smtp_host: "smtp.example.com".into(),
            ..Default::default()
        };
        assert!(no_one.problems()[0].contains("nobody to write to"));
        assert!(AlertsConfig::default().problems().is_empty());
        let plain = |host: &str| AlertsConfig {
            email_to: "pd@example.com".into(),
            smtp_host: host.into(),
            smtp_user: "studio@example.com".into(),
            smtp_security: SmtpSecurity::None,
            ..Default::default()
        };
        assert!(plain("smtp.example.com").problems()[0].starts_with("alerts.smtp_security"));
        assert!(plain("127.0.0.1").problems().is_empty());
        assert!(plain("localhost").problems().is_empty());
        assert!(is_bot_token("123456:AAE-x_y9"));
        for bad in [
            "",
            "123456",
            ":abc",
            "12a:abc",
            "123:abc/../x",
            "123:abc?x=1",
            "bot123:abc",
        ] {
            assert!(!is_bot_token(bad), "{bad}");
        }
    }
}
