// The one module that talks to the engine (the typed calls are generated: bindings/client.ts): Tauri IPC inside the desktop app, HTTP against `aidas serve` in a
// browser. Every failure arrives as the engine's `{code, message}` so screens branch on codes, never on text.

import type { EngineEvent } from "./bindings/EngineEvent";
import type { ErrorCode } from "./bindings/ErrorCode";

/** The engine's codes, and `transport` when the UI could not reach the engine at all. */
export type Code = ErrorCode | "transport";

export interface ApiError {
  code: Code;
  message: string;
}

export class EngineError extends Error {
  readonly code: Code;
  constructor(e: ApiError) {
    super(e.message);
    this.code = e.code;
    this.name = "EngineError";
  }
}

export interface Transport {
  readonly kind: "tauri" | "http";
  call<T>(command: string, args?: Record<string, unknown>): Promise<T>;
}

/** Turns whatever a failed call produced into the engine's error shape. */
export function toEngineError(raw: unknown): EngineError {
  if (raw instanceof EngineError) return raw;
  if (raw && typeof raw === "object") {
    const o = raw as Record<string, unknown>;
    const inner = (o.error && typeof o.error === "object" ? o.error : o) as Record<string, unknown>;
    if (typeof inner.code === "string" && typeof inner.message === "string") {
      return new EngineError({ code: inner.code as Code, message: inner.message });
    }
  }
  if (typeof raw === "string") return new EngineError({ code: "internal", message: raw });
  if (raw instanceof Error) return new EngineError({ code: "transport", message: raw.message });
  return new EngineError({ code: "internal", message: "unknown error" });
}

type Invoke = <T>(cmd: string, args?: Record<string, unknown>) => Promise<T>;

export function tauriTransport(invoke: Invoke): Transport {
  return {
    kind: "tauri",
    async call<T>(command: string, args?: Record<string, unknown>) {
      try {
        // One IPC command routes to the same command table as the HTTP API.
        return await invoke<T>("call", { command, args: args ?? {} });
      } catch (e) {
        throw toEngineError(e);
      }
    },
  };
}

type Fetch = (input: string, init?: RequestInit) => Promise<Response>;

export function httpTransport(baseUrl: string, fetchImpl: Fetch, token?: string): Transport {
  const base = baseUrl.replace(/\/+$/, "");
  return {
    kind: "http",
    async call<T>(command: string, args?: Record<string, unknown>) {
      let res: Response;
      try {
        res = await fetchImpl(`${base}/api/${encodeURIComponent(command)}`, {
          method: "POST",
          headers: {
            "content-type": "application/json",
            ...(token ? { authorization: `Bearer ${token}` } : {}),
          },
          body: JSON.stringify(args ?? {}),
        });
      } catch (e) {
        throw new EngineError({
          code: "transport",
          message: `the studio at ${base} did not answer (${e instanceof Error ? e.message : String(e)})`,
        });
      }
      const text = await res.text();
      let body: unknown = undefined;
      if (text.length > 0) {
        try {
          body = JSON.parse(text);
        } catch {
          throw new EngineError({ code: "transport", message: `HTTP ${res.status}: the answer was not JSON` });
        }
      }
      if (!res.ok) throw toEngineError(body ?? `HTTP ${res.status}`);
      return body as T;
    },
  };
}

/** Picks the transport for where the UI is running. */
export function detectTransport(w: { __TAURI_INTERNALS__?: unknown; location?: { origin: string } }, deps: {
  invoke?: Invoke;
  fetch?: Fetch;
}): Transport {
  if (w.__TAURI_INTERNALS__ && deps.invoke) return tauriTransport(deps.invoke);
  if (!deps.fetch) throw new Error("no fetch available for the HTTP transport");
  return httpTransport(w.location?.origin ?? "http://127.0.0.1:8787", deps.fetch);
}

/** The engine's events over the WebSocket of `aidas serve` (reconnecting); returns a function that stops it. */
export function subscribeEvents(origin: string, onEvent: (e: EngineEvent) => void): () => void {
  let ws: WebSocket | null = null;
  let stopped = false;
  const open = () => {
    ws = new WebSocket(origin.replace(/^http/, "ws") + "/api/events");
    ws.onmessage = (m) => {
      try {
        onEvent(JSON.parse(String(m.data)) as EngineEvent);
      } catch {
        /* not an event */
      }
    };
    ws.onclose = () => {
      if (!stopped) setTimeout(open, 1000);
    };
  };
  open();
  return () => {
    stopped = true;
    ws?.close();
  };
}
