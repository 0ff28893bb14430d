//! The studio over HTTP on 127.0.0.1: `POST /api/<command>` (the command table of `studio_core::api`: JSON in,
//! JSON out, errors as `{code, message}`),
//! `GET /api/events` (a WebSocket carrying the engine's events as JSON), `/media/…` (episode files, clips and
//! auditions with Range support — the Linux webview cannot play video from `tauri://` URLs, so the desktop app uses
//! this too), and the built web UI with an `index.html` fallback. Bound anywhere but loopback, a token is required
//! (`Authorization: Bearer …`, or `?token=` where a browser cannot set headers: the WebSocket and `<video>`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{Path, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use studio_core::{CoreError, Engine};
use tower_http::services::{ServeDir, ServeFile};

#[derive(Clone)]
pub struct ServeOptions {
    /// Required on every request when set (always set for non-loopback addresses).
    pub token: Option<String>,
    /// The built UI (`ui/dist`); `None` serves the API only.
    pub ui_dir: Option<PathBuf>,
}

#[derive(Clone)]
struct AppState {
    engine: Arc<Engine>,
    token: Option<String>,
}

/// A refused or failed command, as the UI expects it.
struct ApiError(CoreError);

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let status = if self.0.is_user_error() {
            StatusCode::BAD_REQUEST
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        };
        (status, Json(self.0.payload())).into_response()
    }
}

async fn call(
    State(st): State<AppState>,
    Path(command): Path<String>,
    body: axum::body::Bytes,
) -> Result<Json<serde_json::Value>, ApiError> {
    let args: serde_json::Value = if body.is_empty() {
        serde_json::json!({})
    } else {
        serde_json::from_slice(&body).map_err(|e| {
            ApiError(CoreError::invalid(format!(
                "the request body is not JSON: {e}"
            )))
        })?
    };
    studio_core::api::dispatch(&st.engine, &command, args)
        .await
        .map(Json)
        .map_err(ApiError)
}

async fn events(State(st): State<AppState>, ws: WebSocketUpgrade) -> Response {
    let rx = st.engine.events().subscribe();
    ws.on_upgrade(move |socket| forward(socket, rx))
}

async fn forward(
    mut socket: WebSocket,
    mut rx: tokio::sync::broadcast::Receiver<studio_core::EngineEvent>,
) {
    loop {
        tokio::select! {
            ev = rx.recv() => match ev {
                Ok(ev) => {
                    let Ok(text) = serde_json::to_string(&ev) else { continue };
                    if socket.send(Message::Text(text.into())).await.is_err() {
                        return;
                    }
                }
                Err(tokio::sync::broadcast::error::RecvError::Lagged(n)) => {
                    let note = serde_json::json!({"type": "lagged", "missed": n}).to_string();
                    if socket.send(Message::Text(note.into())).await.is_err() {
                        return;
                    }
                }
                Err(_) => return,
            },
            msg = socket.recv() => match msg {
                Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return,
                _ => {}
            },
        }
    }
}

async fn check_token(State(st): State<AppState>, req: Request, next: Next) -> Response {
    if let Some(want) = &st.token {
        let header = req
            .headers()
            .get("authorization")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .map(str::to_string);
        let query = req.uri().query().and_then(|q| {
            q.split('&')
                .find_map(|kv| kv.strip_prefix("token=").map(str::to_string))
        });
        if header.as_deref() != Some(want.as_str()) && query.as_deref() != Some(want.as_str()) {
            return (
                StatusCode::UNAUTHORIZED,
                Json(studio_core::ErrorPayload {
                    code: studio_core::domain::ErrorCode::Unauthorized,
                    message: "this studio needs its access token".into(),
                }),
            )
                .into_response();
        }
    }
    next.run(req).await
}

/// The whole app: API, events, media, UI.
pub fn router(engine: Arc<Engine>, opts: &ServeOptions) -> Router {
    let st = AppState {
        engine: engine.clone(),
        token: opts.token.clone(),
    };
    let data = engine.data_dir().to_path_buf();
    // Only what players need: episode folders (clips, auditions, the MP4) and exports. Never the database.
    let media = Router::new()
        .nest_service("/series", ServeDir::new(data.join("series")))
        .nest_service("/export", ServeDir::new(data.join("export")));
    let mut app = Router::new()
        .route("/api/events", get(events))
        // A shot replaced with the creator's clip arrives as base64 inside the command's JSON (4/3 of the file).
        .route(
            "/api/{command}",
            post(call).layer(axum::extract::DefaultBodyLimit::max(
                studio_core::directing::MAX_SHOT_FILE / 3 * 4 + 64 * 1024,
            )),
        )
        .nest("/media", media)
        .layer(axum::middleware::from_fn_with_state(
            st.clone(),
            check_token,
        ))
        .with_state(st);
    if let Some(ui) = &opts.ui_dir {
        app =
            app.fallback_service(ServeDir::new(ui).fallback(ServeFile::new(ui.join("index.html"))));
    }
    app
}

/// Serves until `shutdown` resolves.
pub async fn serve(
    engine: Arc<Engine>,
    listener: tokio::net::TcpListener,
    opts: ServeOptions,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let addr: Option<SocketAddr> = listener.local_addr().ok();
    tracing::info!(?addr, "serving the studio");
    axum::serve(listener, router(engine, &opts))
        .with_graceful_shutdown(shutdown)
        .await
}

/// Whether an address is loopback-only (no token needed there).
pub fn is_loopback(addr: &SocketAddr) -> bool {
    addr.ip().is_loopback()
}
