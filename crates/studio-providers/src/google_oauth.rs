//! Google OAuth 2.0 for an installed (desktop) app, through the `oauth2` crate: the loopback redirect on
//! 127.0.0.1 with a random free port, PKCE S256 and a `state` check; the code exchange; refresh, where a dead refresh
//! token (`invalid_grant`) becomes [`OAuthError::Reconnect`] so the UI can ask the person to connect the channel
//! again. The authorization and token URLs are configurable (tests run a mock server).

use std::time::Duration;

use oauth2::basic::{BasicClient, BasicErrorResponseType};
use oauth2::{
    AuthUrl, AuthorizationCode, ClientId, ClientSecret, CsrfToken, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, RefreshToken, RequestTokenError, Scope, TokenResponse, TokenUrl,
};
use serde::{Deserialize, Serialize};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

/// What the studio asks for: upload, read the channel, its videos' status and comments, manage captions
/// (captions.insert needs `youtube.force-ssl`), and read the channel's YouTube Analytics reports for viewer
/// feedback (`yt-analytics.readonly`; a channel connected before it was asked for has Data API access only).
pub const YOUTUBE_SCOPES: &[&str] = &[
    "https://www.googleapis.com/auth/youtube.upload",
    "https://www.googleapis.com/auth/youtube.readonly",
    "https://www.googleapis.com/auth/youtube.force-ssl",
    "https://www.googleapis.com/auth/yt-analytics.readonly",
];

#[derive(Debug, thiserror::Error)]
pub enum OAuthError {
    #[error("Google no longer accepts this channel's sign-in ({0}): connect the channel again")]
    Reconnect(String),
    #[error("the sign-in was refused in the browser: {0}")]
    Denied(String),
    #[error("the sign-in reply did not match this request (state check failed); start again")]
    StateMismatch,
    #[error("no sign-in reply arrived within {0} s; start again")]
    TimedOut(u64),
    #[error("the OAuth settings are invalid: {0}")]
    Config(String),
    #[error("the Google token server refused the request: {0}")]
    Refused(String),
    #[error("network error talking to the Google token server: {0}")]
    Network(String),
}

impl OAuthError {
    /// Worth trying again later without a person (network trouble, a 5xx).
    pub fn is_transient(&self) -> bool {
        matches!(self, OAuthError::Network(_))
    }
}

/// Tokens as kept in the OS keyring (serialized to JSON there, never to the database).
#[derive(Clone, Serialize, Deserialize, PartialEq)]
pub struct Tokens {
    pub access_token: String,
    pub refresh_token: Option<String>,
    /// Unix ms when the access token stops working.
    pub expires_at_ms: i64,
    pub scope: String,
}

impl std::fmt::Debug for Tokens {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Tokens")
            .field("expires_at_ms", &self.expires_at_ms)
            .field("scope", &self.scope)
            .finish_non_exhaustive()
    }
}

impl Tokens {
    /// Still good for at least `margin_ms`.
    pub fn fresh(&self, now_ms: i64, margin_ms: i64) -> bool {
        self.expires_at_ms - margin_ms > now_ms
    }
}

/// The oauth2 client with only the token endpoint set.
type TokenClient = oauth2::Client<
    oauth2::basic::BasicErrorResponse,
    oauth2::basic::BasicTokenResponse,
    oauth2::basic::BasicTokenIntrospectionResponse,
    oauth2::StandardRevocableToken,
    oauth2::basic::BasicRevocationErrorResponse,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointNotSet,
    oauth2::EndpointSet,
>;

#[derive(Clone)]
pub struct GoogleOAuth {
    client_id: String,
    client_secret: Option<String>,
    auth_url: String,
    token_url: String,
    http: reqwest::Client,
}

/// A sign-in in progress: the URL to open in the browser and the loopback listener waiting for the reply.
pub struct LoopbackFlow {
    pub url: String,
    pub redirect_uri: String,
    listener: TcpListener,
    verifier: PkceCodeVerifier,
    state: CsrfToken,
}

impl GoogleOAuth {
    pub fn new(
        client_id: &str,
        client_secret: Option<String>,
        auth_url: &str,
        token_url: &str,
    ) -> Self {
        // The token endpoint must never be followed through redirects (the oauth2 crate's advice against SSRF).
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .timeout(Duration::from_secs(30))
            .build()
            .unwrap_or_default();
        Self {
            client_id: client_id.into(),
            client_secret: client_secret.filter(|s| !s.is_empty()),
            auth_url: auth_url.into(),
            token_url: token_url.into(),
            http,
        }
    }

    /// Listens on 127.0.0.1 at a random free port and builds the authorization URL (PKCE S256, random state,
    /// offline access, consent prompt so Google returns a refresh token).
    pub async fn begin(&self, scopes: &[&str]) -> Result<LoopbackFlow, OAuthError> {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .map_err(|e| OAuthError::Config(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| OAuthError::Config(e.to_string()))?
            .port();
        let redirect_uri = format!("http://127.0.0.1:{port}");
        let client = BasicClient::new(ClientId::new(self.client_id.clone()))
            .set_auth_uri(
                AuthUrl::new(self.auth_url.clone())
                    .map_err(|e| OAuthError::Config(format!("authorization URL: {e}")))?,
            )
            .set_redirect_uri(
                RedirectUrl::new(redirect_uri.clone())
                    .map_err(|e| OAuthError::Config(e.to_string()))?,
            );
        let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
        let mut req = client
            .authorize_url(CsrfToken::new_random)
            .set_pkce_challenge(challenge)
            .add_extra_param("access_type", "offline")
            .add_extra_param("prompt", "consent");
        for s in scopes {
            req = req.add_scope(Scope::new((*s).to_string()));
        }
        let (url, state) = req.url();
        Ok(LoopbackFlow {
            url: url.to_string(),
            redirect_uri,
            listener,
            verifier,
            state,
        })
    }

    /// Waits for the browser's redirect, checks `state`, answers the browser with a short page, and exchanges the
    /// code (with the PKCE verifier) for tokens.
    pub async fn finish(
        &self,
        flow: LoopbackFlow,
        timeout: Duration,
    ) -> Result<Tokens, OAuthError> {
        let LoopbackFlow {
            redirect_uri,
            listener,
            verifier,
            state,
            ..
        } = flow;
        let wait = async {
            loop {
                let (mut sock, _) = listener
                    .accept()
                    .await
                    .map_err(|e| OAuthError::Network(e.to_string()))?;
                let mut buf = vec![0u8; 8192];
                let mut len = 0;
                // Read until the end of the request head (the redirect is a GET with no body).
                while len < buf.len() {
                    let k = sock
                        .read(&mut buf[len..])
                        .await
                        .map_err(|e| OAuthError::Network(e.to_string()))?;
                    if k == 0 {
                        break;
                    }
                    len += k;
                    if buf[..len].windows(4).any(|w| w == b"\r\n\r\n") {
                        break;
                    }
                }
                let head = String::from_utf8_lossy(&buf[..len]).to_string();
                let target = head
                    .lines()
                    .next()
                    .and_then(|l| l.split_whitespace().nth(1))
                    .unwrap_or("/")
                    .to_string();
                let (path, query) = target.split_once('?').unwrap_or((&target, ""));
                if path != "/" {
                    // Browsers also ask for /favicon.ico; answer and keep waiting for the real redirect.
                    let _ = sock
                        .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
                        .await;
                    continue;
                }
                let params: Vec<(String, String)> = url::form_urlencoded::parse(query.as_bytes())
                    .into_owned()
                    .collect();
                let get = |k: &str| params.iter().find(|(a, _)| a == k).map(|(_, v)| v.clone());
                let (ok, page) = if let Some(err) = get("error") {
                    (
                        Err(OAuthError::Denied(err)),
                        "연결이 취소되었습니다. 스튜디오로 돌아가세요. / Sign-in was cancelled.",
                    )
                } else if get("state").as_deref() != Some(state.secret().as_str()) {
                    (
                        Err(OAuthError::StateMismatch),
                        "요청이 일치하지 않습니다. 다시 시도하세요. / The reply did not match; try again.",
                    )
                } else if let Some(code) = get("code") {
                    (
                        Ok(code),
                        "채널이 연결되었습니다. 이 창을 닫아도 됩니다. / Channel connected: you can close this tab.",
                    )
                } else {
                    (
                        Err(OAuthError::Denied("no code in the reply".into())),
                        "응답에 코드가 없습니다. / No code in the reply.",
                    )
                };
                let body = format!(
                    "<!doctype html><meta charset=utf-8><title>AIDAS Studio</title><p style=\"font:16px sans-serif\">{page}</p>"
                );
                let _ = sock
                    .write_all(
                        format!(
                            "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                            body.len()
                        )
                        .as_bytes(),
                    )
                    .await;
                return ok;
            }
        };
        let code = tokio::time::timeout(timeout, wait)
            .await
            .map_err(|_| OAuthError::TimedOut(timeout.as_secs()))??;
        self.exchange(&code, verifier, &redirect_uri).await
    }

    fn token_client(&self) -> Result<TokenClient, OAuthError> {
        let mut c = BasicClient::new(ClientId::new(self.client_id.clone())).set_token_uri(
            TokenUrl::new(self.token_url.clone())
                .map_err(|e| OAuthError::Config(format!("token URL: {e}")))?,
        );
        if let Some(s) = &self.client_secret {
            c = c.set_client_secret(ClientSecret::new(s.clone()));
        }
        // Google expects the client credentials in the form body.
        Ok(c.set_auth_type(oauth2::AuthType::RequestBody))
    }

    async fn exchange(
        &self,
        code: &str,
        verifier: PkceCodeVerifier,
        redirect_uri: &str,
    ) -> Result<Tokens, OAuthError> {
        let client = self.token_client()?.set_redirect_uri(
            RedirectUrl::new(redirect_uri.into()).map_err(|e| OAuthError::Config(e.to_string()))?,
        );
        let http = self.http_fn();
        let r = client
            .exchange_code(AuthorizationCode::new(code.into()))
            .set_pkce_verifier(verifier)
            .request_async(&http)
            .await
            .map_err(token_error)?;
        Ok(tokens_from(&r, None))
    }

    /// A new access token from the refresh token. Google usually keeps the refresh token, so it is carried over.
    pub async fn refresh(&self, refresh_token: &str) -> Result<Tokens, OAuthError> {
        let http = self.http_fn();
        let r = self
            .token_client()?
            .exchange_refresh_token(&RefreshToken::new(refresh_token.into()))
            .request_async(&http)
            .await
            .map_err(token_error)?;
        Ok(tokens_from(&r, Some(refresh_token)))
    }

    /// The oauth2 crate's HTTP hook, over our reqwest client.
    fn http_fn(
        &self,
    ) -> impl Fn(
        oauth2::HttpRequest,
    ) -> std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<oauth2::HttpResponse, reqwest::Error>> + Send>,
    > + use<> {
        let http = self.http.clone();
        move |req: oauth2::HttpRequest| {
            let http = http.clone();
            Box::pin(async move {
                let req = reqwest::Request::try_from(req)?;
                let resp = http.execute(req).await?;
                let status = resp.status();
                let headers = resp.headers().clone();
                let body = resp.bytes().await?.to_vec();
                let mut out = oauth2::HttpResponse::new(body);
                *out.status_mut() = status;
                *out.headers_mut() = headers;
                Ok(out)
            })
        }
    }
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn tokens_from(r: &oauth2::basic::BasicTokenResponse, old_refresh: Option<&str>) -> Tokens {
    Tokens {
        access_token: r.access_token().secret().clone(),
        refresh_token: r
            .refresh_token()
            .map(|t| t.secret().clone())
            .or_else(|| old_refresh.map(str::to_string)),
        expires_at_ms: now_ms() + r.expires_in().map_or(3_599_000, |d| d.as_millis() as i64),
        scope: r
            .scopes()
            .map(|s| s.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(" "))
            .unwrap_or_default(),
    }
}

fn token_error(
    e: RequestTokenError<reqwest::Error, oauth2::basic::BasicErrorResponse>,
) -> OAuthError {
    match e {
        RequestTokenError::ServerResponse(r) => {
            let detail = r
                .error_description()
                .cloned()
                .unwrap_or_else(|| r.error().to_string());
            match r.error() {
                BasicErrorResponseType::InvalidGrant => {
                    OAuthError::Reconnect(format!("invalid_grant: {detail}"))
                }
                other => OAuthError::Refused(format!("{other}: {detail}")),
            }
        }
        RequestTokenError::Request(e) => OAuthError::Network(e.to_string()),
        RequestTokenError::Parse(e, body) => OAuthError::Refused(format!(
            "unreadable reply ({e}): {}",
            String::from_utf8_lossy(&body)
                .chars()
                .take(200)
                .collect::<String>()
        )),
        RequestTokenError::Other(m) => OAuthError::Refused(m),
    }
}
