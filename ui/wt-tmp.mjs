import { chromium } from "playwright-core";
import http from "node:http";
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
const ctx = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: "ko-KR", timezoneId: "Asia/Seoul", acceptDownloads: true });
const page = await ctx.newPage();
const logs = [];
page.on("console", m => logs.push(`[console.${m.type()}] ${m.text()}`));
page.on("pageerror", e => logs.push(`[pageerror] ${e.message}`));
page.on("dialog", async d => { logs.push(`[dialog ${d.type()}] ${d.message()}`); await d.accept(); });
page.on("response", r => { if (r.status() >= 400) logs.push(`[http ${r.status()}] ${r.request().method()} ${r.url()}`); });
const shot = async (name) => { const p = `/tmp/walkthrough/${name}.png`; await page.screenshot({ path: p, fullPage: true }); return p; };
const AsyncFunction = Object.getPrototypeOf(async function(){}).constructor;
http.createServer(async (req, res) => {
  let body = ""; for await (const c of req) body += c;
  let out;
  try { const fn = new AsyncFunction("page", "ctx", "shot", "logs", body); const r = await fn(page, ctx, shot, logs); out = { ok: true, result: r, logs: logs.splice(0) }; }
  catch (e) { out = { ok: false, error: String(e && e.stack || e), logs: logs.splice(0) }; }
  res.end(JSON.stringify(out, null, 1));
}).listen(9444, "127.0.0.1", () => console.log("driver ready"));
