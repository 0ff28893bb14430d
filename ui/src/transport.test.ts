import { describe, expect, it } from "vitest";
import { EngineError, detectTransport, httpTransport, tauriTransport, toEngineError } from "./transport";

describe("toEngineError", () => {
  it("keeps the engine's code and message", () => {
    const e = toEngineError({ code: "unknown_series", message: "unknown series \"x\"" });
    expect(e.code).toBe("unknown_series");
    expect(e.message).toBe("unknown series \"x\"");
  });
  it("unwraps the CLI/HTTP {error: {...}} envelope", () => {
    expect(toEngineError({ error: { code: "bad_file", message: "m" } }).code).toBe("bad_file");
  });
  it("never loses a failure, whatever its shape", () => {
    expect(toEngineError("boom").code).toBe("internal");
    expect(toEngineError(new Error("net")).code).toBe("transport");
    expect(toEngineError(42).code).toBe("internal");
  });
});

describe("httpTransport", () => {
  it("posts JSON with the token and returns the body", async () => {
    const seen: { url?: string; init?: RequestInit } = {};
    const t = httpTransport("http://127.0.0.1:9/", async (url, init) => {
      seen.url = url;
      seen.init = init;
      return new Response(JSON.stringify([{ id: "first-love" }]), { status: 200 });
    }, "tok");
    const r = await t.call<{ id: string }[]>("series_list", { a: 1 });
    expect(r[0].id).toBe("first-love");
    expect(seen.url).toBe("http://127.0.0.1:9/api/series_list");
    expect((seen.init?.headers as Record<string, string>).authorization).toBe("Bearer tok");
    expect(seen.init?.body).toBe('{"a":1}');
  });
  it("maps error bodies and network failures to EngineError", async () => {
    const t = httpTransport("http://h", async () =>
      new Response(JSON.stringify({ code: "episode_out_of_range", message: "episode 17 is outside" }), { status: 400 }));
    await expect(t.call("memory_context")).rejects.toMatchObject({ code: "episode_out_of_range" });
    const down = httpTransport("http://h", async () => { throw new TypeError("connection refused"); });
    await expect(down.call("x")).rejects.toBeInstanceOf(EngineError);
    await expect(down.call("x")).rejects.toMatchObject({ code: "transport" });
    const html = httpTransport("http://h", async () => new Response("<html>", { status: 502 }));
    await expect(html.call("x")).rejects.toMatchObject({ code: "transport" });
  });
});

describe("tauriTransport and detection", () => {
  it("uses IPC inside Tauri and maps rejections", async () => {
    const t = detectTransport({ __TAURI_INTERNALS__: {} }, {
      invoke: async <T,>(cmd: string, args?: Record<string, unknown>) => {
        expect(cmd).toBe("call");
        if (args?.command === "fail") throw { code: "invalid_input", message: "no" };
        return args?.command as T;
      },
      fetch: async () => new Response("{}"),
    });
    expect(t.kind).toBe("tauri");
    expect(await t.call<string>("ok")).toBe("ok");
    await expect(t.call("fail")).rejects.toMatchObject({ code: "invalid_input" });
  });
  it("uses HTTP against the page's own origin in a browser", () => {
    const t = detectTransport({ location: { origin: "http://127.0.0.1:8787" } }, { fetch: async () => new Response("{}") });
    expect(t.kind).toBe("http");
    expect(tauriTransport(async <T,>() => undefined as T).kind).toBe("tauri");
  });
});
