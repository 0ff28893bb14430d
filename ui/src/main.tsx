import { Component, StrictMode, type ReactNode } from "react";
import { createRoot } from "react-dom/client";
import { invoke } from "@tauri-apps/api/core";
import { listen } from "@tauri-apps/api/event";
import { App } from "./App";
import { translator, type Lang } from "./i18n";
import type { EngineEvent } from "./bindings/EngineEvent";
import { subscribeEvents } from "./transport";
import { detectTransport } from "./transport";

const w = window as unknown as { __TAURI_INTERNALS__?: unknown; location: Location };
const transport = detectTransport(w, { invoke, fetch: window.fetch.bind(window) });

/** A screen that fails to draw shows what happened and a way on, in the creator's language, never a blank window. */
class ScreenError extends Component<{ children: ReactNode }, { error: Error | null }> {
  state = { error: null as Error | null };
  static getDerivedStateFromError(error: Error) {
    return { error };
  }
  render() {
    if (!this.state.error) return this.props.children;
    const t = translator((localStorage.getItem("aidas.lang") as Lang) || "ko");
    return (
      <main role="alert" data-testid="screen-error">
        <h2>{t("screen.failed")}</h2>
        <p>
          <button onClick={() => location.reload()}>{t("screen.reload")}</button>
        </p>
        <details className="detail" data-detail>
          <summary>{t("common.details")}</summary>
          <pre>{String(this.state.error?.stack ?? this.state.error)}</pre>
        </details>
      </main>
    );
  }
}

async function start() {
  // In the desktop app, media comes from the app's own HTTP server (the webview cannot play `tauri://` video) and
  // events arrive as Tauri events; in a browser both come from `aidas serve`, the page's own origin.
  let origin = window.location.origin;
  let subscribe: (on: (e: EngineEvent) => void) => () => void = (on) => subscribeEvents(origin, on);
  if (transport.kind === "tauri") {
    origin = await invoke<string>("media_origin");
    subscribe = (on) => {
      let stop: (() => void) | null = null;
      let cancelled = false;
      listen<EngineEvent>("engine-event", (e) => on(e.payload)).then((un) => {
        if (cancelled) un();
        else stop = un;
      });
      return () => {
        cancelled = true;
        stop?.();
      };
    };
  }
  const root = document.getElementById("root");
  if (root) {
    createRoot(root).render(
      <StrictMode>
        <ScreenError>
          <App transport={transport} origin={origin} subscribe={subscribe} />
        </ScreenError>
      </StrictMode>,
    );
  }
}
void start();
