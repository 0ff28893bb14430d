// Browser test: playwright-core drives Debian's Chromium against `aidas serve` on a temporary data directory with
// offline providers and a local stand-in for Google and YouTube. In Korean: plan a series → edit a character, re-cast
// and audition → write and edit a line → flip priorities, edit and replace shots → produce two episodes and watch
// them → review (player, redo a shot, two reasons) → approve at a local time → the export folder → settings. In
// English: the directing flows again, settings errors, connect a channel, plan a second series, produce and review
// two episodes, approve one → it is uploaded to the stand-in channel and lands on the upload calendar.
// Screenshots of every screen go to ui/e2e/screenshots/.
//
// Run: node e2e/studio.e2e.mjs (after `cargo build -p studio-cli` and `npm run build`).

import { spawn } from "node:child_process";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
// Connecting a channel stores its tokens in the OS keyring: the walk runs inside a private D-Bus session with an
// unlocked gnome-keyring (scripts/with-keyring.sh), as the Rust tests do.
if (process.env.AIDAS_IN_KEYRING_SESSION !== "1") {
  const child = spawn(join(root, "scripts/with-keyring.sh"), [process.execPath, fileURLToPath(import.meta.url)], { stdio: "inherit" });
  child.on("exit", (code) => process.exit(code ?? 1));
  await new Promise(() => {});
}
const bin = process.env.AIDAS_BIN ?? join(root, "target/debug/aidas");
const shots = join(here, "screenshots");
mkdirSync(shots, { recursive: true });
const data = mkdtempSync(join(tmpdir(), "aidas-e2e-"));

function fail(msg) {
  throw new Error(msg);
}

async function until(what, f, timeoutMs = 60_000, everyMs = 250) {
  const t0 = Date.now();
  let last;
  while (Date.now() - t0 < timeoutMs) {
    try {
      last = await f();
      if (last) return last;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  fail(`timed out waiting for ${what} (last: ${last})`);
}

// A local stand-in for Google sign-in, YouTube (channel lookup and the resumable upload with its thumbnail, captions
// and playlist) and two writers' model lists ("test connection"), following their real request shapes: never the
// network. Each upload chunk is answered after a pause, so the upload's progress bar can be seen.
const uploads = [];
// The comments viewers leave on every uploaded video (filled with the series' character names once it is planned).
let feedbackComments = [];
// What the stand-in Slack webhook received.
const slackPosts = [];
const mock = createServer(async (req, res) => {
  const u = new URL(req.url, "http://127.0.0.1");
  const json = (code, body, headers = {}) => {
    res.writeHead(code, { "content-type": "application/json", ...headers });
    res.end(JSON.stringify(body));
  };
  const chunks = [];
  for await (const c of req) chunks.push(c);
  const body = Buffer.concat(chunks);
  if (u.pathname === "/slack/hook" && req.method === "POST") {
    slackPosts.push(JSON.parse(body.toString("utf8")));
    res.writeHead(200, { "content-type": "text/plain" });
    return res.end("ok");
  }
  if (u.pathname === "/upload/youtube/v3/videos" && req.method === "POST" && u.searchParams.get("uploadType") === "resumable") {
    uploads.push({ total: Number(req.headers["x-upload-content-length"]), got: 0, resource: JSON.parse(body.toString("utf8")), id: null });
    res.writeHead(200, { location: `${mockUrl}/upload/session/${uploads.length - 1}` });
    return res.end();
  }
  if (u.pathname.startsWith("/upload/session/") && req.method === "PUT") {
    const up = uploads[Number(u.pathname.split("/").pop())];
    if (!up) return json(404, {});
    const range = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(req.headers["content-range"] ?? "");
    if (range) {
      if (Number(range[1]) !== up.got || body.length !== Number(range[2]) - Number(range[1]) + 1) return json(400, { error: { message: "bad range" } });
      up.got = Number(range[2]) + 1;
      await new Promise((r) => setTimeout(r, 400));
    }
    if (up.got >= up.total) {
      up.id ??= `mockvid${uploads.indexOf(up) + 1}`;
      return json(201, { kind: "youtube#video", id: up.id, snippet: up.resource.snippet, status: { uploadStatus: "uploaded" } });
    }
    res.writeHead(308, up.got > 0 ? { range: `bytes=0-${up.got - 1}` } : {});
    return res.end();
  }
  if (u.pathname === "/upload/youtube/v3/thumbnails/set") return json(200, { kind: "youtube#thumbnailSetResponse", items: [{}] });
  if (u.pathname === "/upload/youtube/v3/captions") return json(200, { kind: "youtube#caption", id: "cap1" });
  if (u.pathname === "/youtube/v3/playlists" && req.method === "POST") return json(200, { kind: "youtube#playlist", id: "PLmock" });
  if (u.pathname === "/youtube/v3/playlistItems" && req.method === "POST") return json(200, { kind: "youtube#playlistItem", id: "pli" });
  // Viewer feedback: statistics, comment threads (two pages), the channel's numbers and Analytics with a retention dip.
  if (u.pathname === "/youtube/v3/videos" && req.method === "GET" && (u.searchParams.get("part") ?? "").includes("statistics")) {
    const ids = (u.searchParams.get("id") ?? "").split(",");
    const items = uploads.filter((x) => x.id && ids.includes(x.id)).map((x) => ({
      id: x.id,
      snippet: { publishedAt: new Date(Date.now() - 86_400_000).toISOString() },
      status: { privacyStatus: "public" },
      contentDetails: {},
      statistics: { viewCount: "1520", likeCount: "96", commentCount: String(feedbackComments.length) },
    }));
    return json(200, { items });
  }
  if (u.pathname === "/youtube/v3/commentThreads") {
    const from = Number((u.searchParams.get("pageToken") ?? "from:0").split(":")[1]);
    const max = Math.min(Number(u.searchParams.get("maxResults") ?? 20), 10);
    const page = feedbackComments.slice(from, from + max).map((text, i) => ({
      id: `c${from + i}`,
      snippet: { totalReplyCount: 0, topLevelComment: { id: `c${from + i}`, snippet: { textOriginal: text, authorDisplayName: "@someone", authorChannelId: { value: `UCv${from + i}` }, likeCount: 20 - ((from + i) % 20), publishedAt: new Date(Date.now() - (from + i) * 60_000).toISOString() } } },
    }));
    return json(200, { items: page, ...(from + max < feedbackComments.length ? { nextPageToken: `from:${from + max}` } : {}) });
  }
  if (u.pathname === "/youtube/v3/channels" && u.searchParams.get("part") === "statistics")
    return json(200, { items: [{ id: "UCmockchannel", statistics: { subscriberCount: "412", viewCount: "8800", videoCount: "2", hiddenSubscriberCount: false } }] });
  if (u.pathname === "/v2/reports") {
    if (u.searchParams.get("dimensions") === "elapsedVideoTimeRatio") {
      const rows = Array.from({ length: 100 }, (_, k) => [(k + 1) / 100, k < 55 ? 0.92 - k * 0.002 : 0.5 - k * 0.001, 0.45]);
      return json(200, { columnHeaders: [{ name: "elapsedVideoTimeRatio" }, { name: "audienceWatchRatio" }, { name: "relativeRetentionPerformance" }], rows });
    }
    return json(200, {
      columnHeaders: ["views", "estimatedMinutesWatched", "averageViewDuration", "averageViewPercentage", "subscribersGained"].map((name) => ({ name })),
      rows: [[1520, 2210, 41, 63.5, 18]],
    });
  }
  if (u.pathname === "/youtube/v3/videos" && req.method === "GET") {
    const up = uploads.find((x) => x.id === u.searchParams.get("id"));
    return json(200, { items: up ? [{ id: up.id, status: { uploadStatus: "processed", privacyStatus: up.resource.status?.privacyStatus ?? "private" } }] : [] });
  }
  if (u.pathname === "/auth") {
    const back = new URL(u.searchParams.get("redirect_uri"));
    back.searchParams.set("code", "mock-code");
    back.searchParams.set("state", u.searchParams.get("state") ?? "");
    res.writeHead(302, { location: back.toString() });
    return res.end();
  }
  if (u.pathname === "/token" && req.method === "POST")
    return json(200, { access_token: "mock-access", refresh_token: "mock-refresh", expires_in: 3600, token_type: "Bearer", scope: "https://www.googleapis.com/auth/youtube.upload" });
  if (u.pathname === "/youtube/v3/channels") return json(200, { items: [{ id: "UCmockchannel", snippet: { title: "시험 채널" } }] });
  if (u.pathname === "/anthropic/v1/models") return req.headers["x-api-key"] === "good-key" ? json(200, { data: [] }) : json(401, { error: "invalid x-api-key" });
  if (u.pathname === "/openai/models") return json(401, { error: { message: "Incorrect API key provided" } });
  json(404, {});
});
await new Promise((r) => mock.listen(0, "127.0.0.1", r));
const mockUrl = `http://127.0.0.1:${mock.address().port}`;

const env = { ...process.env };
for (const k of Object.keys(env)) if (k.startsWith("AIDAS_")) delete env[k];
Object.assign(env, {
  AIDAS_GOOGLE_OAUTH_AUTH_URL: `${mockUrl}/auth`,
  AIDAS_GOOGLE_OAUTH_TOKEN_URL: `${mockUrl}/token`,
  AIDAS_YOUTUBE_BASE_URL: `${mockUrl}/youtube/v3`,
  AIDAS_YOUTUBE_UPLOAD_URL: `${mockUrl}/upload/youtube/v3`,
  AIDAS_YOUTUBE_ANALYTICS_URL: `${mockUrl}/v2`,
  AIDAS_YOUTUBE_API_KEY: "mock-client-secret",
  AIDAS_ANTHROPIC_BASE_URL: `${mockUrl}/anthropic`,
  AIDAS_ANTHROPIC_API_KEY: "good-key",
  AIDAS_OPENAI_BASE_URL: `${mockUrl}/openai`,
  AIDAS_OPENAI_API_KEY: "revoked-key",
  AIDAS_SLACK_API_KEY: `${mockUrl}/slack/hook`,
  AIDAS_SECRETS_BACKEND: "keyring",
  AIDAS_RENDER_PRESET: "ultrafast",
  AIDAS_RENDER_RESOLUTION: "720p",
});
// Small upload chunks (YouTube's 256 KiB quantum), so an upload takes several steps the progress bar shows.
writeFileSync(join(data, "config.toml"), "version = 1\n[youtube]\nchunk_kib = 256\n");
const server = spawn(bin, ["--data-dir", data, "serve", "--addr", "127.0.0.1:0", "--workers", "2", "--ui", join(root, "ui/dist")], {
  env,
  stdio: ["ignore", "pipe", "pipe"],
});
let stderr = "";
server.stderr.on("data", (d) => (stderr += d));
const url = await new Promise((res, rej) => {
  let out = "";
  server.stdout.on("data", (d) => {
    out += d;
    const m = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
    if (m) res(m[0]);
  });
  server.on("exit", (c) => rej(new Error(`aidas serve exited (${c}): ${stderr}`)));
  setTimeout(() => rej(new Error(`aidas serve did not start: ${stderr}`)), 60_000);
});
const origin = url.replace(/\/$/, "");
const call = async (command, args = {}) => {
  const r = await fetch(`${origin}/api/${command}`, { method: "POST", body: JSON.stringify(args) });
  const body = await r.json();
  if (!r.ok) fail(`${command}: ${JSON.stringify(body)}`);
  return body;
};

const browser = await chromium.launch({ executablePath: process.env.CHROMIUM ?? "/usr/bin/chromium" });
let ok = false;
try {
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = [];
  page.on("pageerror", (e) => errors.push(String(e)));
  const snap = (name) => page.screenshot({ path: join(shots, `${name}.png`), fullPage: true });
  // The creator's language: no internal names (snake_case), no raw timestamps, no CLI commands; on Korean screens no
  // English beyond product names. The engine's own words folded under "technical details" ([data-detail]) and text
  // that is English by nature (model prompts, marked lang="en") are left out.
  const PRODUCT = new Set(["AIDAS", "YouTube", "OpenAI", "ElevenLabs", "Google", "Azure", "eSpeak", "NG", "fal", "FLUX", "Kling", "Hugging", "Face", "HeyGen", "Anthropic", "Claude", "English", "API", "EP", "OAuth", "MB", "GB", "LUFS", "AI", "Asia", "Seoul", "ID", "Cloud", "Slack", "Discord", "Telegram", "BotFather", "JSON", "SMTP", "TLS", "STARTTLS", "PNG", "JPEG"]);
  const problems = [];
  const language = async (where, lang) => {
    const text = await page.evaluate((lang) => {
      const root = document.body.cloneNode(true);
      // A select's options are words people read too: they stay (the select itself is only their box).
      root.querySelectorAll("[data-detail], script, style, code, textarea, input").forEach((n) => n.remove());
      // Series titles are the creator's own words, in whatever language they wrote them ("Night Desk").
      root.querySelectorAll('[data-testid="series-picker"] option').forEach((n) => n.remove());
      if (lang === "ko") root.querySelectorAll('[lang="en"]').forEach((n) => n.remove());
      // Words people hear or see outside the text: accessible names, image descriptions, tooltips, placeholders.
      const attrs = [...root.querySelectorAll("[aria-label], [alt], [title], [placeholder]")]
        .flatMap((n) => ["aria-label", "alt", "title", "placeholder"].map((a) => n.getAttribute(a) ?? ""))
        .join(" ");
      // A detached copy has no layout: separate every element's words from its neighbours' by hand.
      root.querySelectorAll("*").forEach((n) => n.append(" "));
      return `${root.textContent} ${attrs}`;
    }, lang);
    const found = [];
    for (const m of text.matchAll(/\b[a-z]+(?:_[a-z0-9]+)+\b/g)) found.push(`internal name "${m[0]}"`);
    for (const m of text.matchAll(/\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/g)) found.push(`raw time "${m[0]}"`);
    if (/\baidas [a-z]/.test(text)) found.push("a CLI command");
    // A message key that never found its text (`shot.redo`, `casting.pick_voice`); file names are allowed.
    const FILES = new Set(["json", "png", "jpg", "jpeg", "mp", "toml", "wav", "srt", "vtt", "ass", "mov", "webm", "jsonl"]);
    for (const m of text.matchAll(/\b[a-z]+\.([a-z][a-z_]*[a-z])\b/g)) if (!FILES.has(m[1])) found.push(`message key "${m[0]}"`);
    if (lang === "ko") {
      for (const m of text.matchAll(/[A-Za-z][A-Za-z.'-]+/g)) if (!PRODUCT.has(m[0])) found.push(`English "${m[0]}"`);
    }
    if (found.length) problems.push(`${where} (${lang}): ${[...new Set(found)].slice(0, 12).join(", ")}`);
  };

  // 1. Series planner: validation first, then a real plan.
  await page.goto(`${url}#/planner`);
  await page.getByRole("button", { name: "기획하기" }).click();
  await page.getByText("제목을 입력하세요.").waitFor();
  await page.locator('input[name="title"]').fill("브라우저 시험");
  await page.locator('select[name="genre"]').selectOption("thriller");
  // Five episodes: by the end, episode 4 is still only planned (viewer feedback may change its outline; 5 is the finale).
  await page.locator('input[name="episodes"]').fill("5");
  await page.locator('input[name="duration"]').fill("1");
  await page.locator('textarea[name="premise"]').fill("작은 방송국에서 사라진 테이프의 비밀");
  await page.getByRole("button", { name: "기획하기" }).click();
  await page.getByTestId("series-detail").waitFor({ timeout: 120_000 });
  const list = await call("series_list");
  const series = list.find((s) => s.title === "브라우저 시험") ?? fail("the series was not created");
  const outlines = await page.locator(".outlines li").count();
  if (outlines !== 5) fail(`expected 5 outlines, saw ${outlines}`);
  // Edit episode 2's outline before it is written.
  await page.getByTestId("outline-edit-btn-2").click();
  const ed = page.getByTestId("outline-edit-2");
  await ed.locator('input[name="title"]').fill("테이프의 주인");
  await ed.locator('input[name="hook"]').fill("새벽 3시, 방송국 지하에서 전화가 울린다");
  await page.getByTestId("outline-save").click();
  await page.getByText("테이프의 주인").waitFor();
  await snap("1-planner");
  await language("planner", "ko");

  // 2. Characters and casting: the cast is made (and locked) on first view; unlock and lock again.
  await page.getByTestId("nav-casting").click();
  await page.getByTestId("cast-state").waitFor({ timeout: 60_000 });
  if ((await page.getByTestId("cast-state").textContent()).includes("잠기지")) await page.getByTestId("cast-lock").click();
  await until("cast locked", async () => (await page.getByTestId("cast-state").textContent()).startsWith("잠김"));
  await page.getByTestId("cast-lock").click();
  await until("cast unlocked", async () => (await page.getByTestId("cast-state").textContent()).includes("잠기지"));
  await page.getByTestId("cast-lock").click();
  await until("cast locked again", async () => (await page.getByTestId("cast-state").textContent()).startsWith("잠김"));
  if ((await page.locator("svg.graph line").count()) === 0) fail("the relationship graph has no edges");
  // Audition: a sample in the character's voice plays from /media.
  await page.getByRole("button", { name: "들어보기" }).first().click();
  const audio = page.getByTestId("audition");
  await audio.waitFor({ timeout: 60_000 });
  await until("the audition loaded", async () => (await audio.evaluate((a) => a.readyState)) >= 1, 60_000);
  if (!((await audio.evaluate((a) => a.duration)) > 0.5)) fail("the audition has no sound");
  // Edit a character (a new name and look) and re-cast one voice from the picker after unlocking.
  await page.locator('[data-testid^="edit-character-"]').first().click();
  const charForm = page.locator('[data-testid^="character-form-"]');
  await charForm.getByTestId("character-name").fill("한서윤");
  await charForm.locator("textarea").fill("a woman in her late 20s with a short bob and a grey trench coat");
  await charForm.getByTestId("save-character").click();
  await page.locator(".card strong", { hasText: "한서윤" }).waitFor({ timeout: 30_000 });
  await page.getByTestId("cast-lock").click();
  await until("cast unlocked for re-casting", async () => (await page.getByTestId("cast-state").textContent()).includes("잠기지"));
  const firstRow = page.locator("tbody tr").first();
  await firstRow.locator('[data-testid^="pick-voice-"]').click();
  const voiceSelect = firstRow.locator('[data-testid^="voice-select-"]');
  await voiceSelect.waitFor({ timeout: 30_000 });
  const voiceOptions = await voiceSelect.locator("option").evaluateAll((os) => os.map((o) => o.value));
  if (voiceOptions.length < 2) fail(`only ${voiceOptions.length} voice(s) to pick from`);
  const primaryBefore = await firstRow.locator("td").nth(1).textContent();
  await voiceSelect.selectOption(voiceOptions[1]);
  await until("the picked voice is the primary", async () => (await firstRow.locator("td").nth(1).textContent()) !== primaryBefore, 30_000);
  await firstRow.getByRole("button", { name: "들어보기" }).click();
  await until("the new voice's audition", async () => (await audio.evaluate((a) => a.duration)) > 0.5, 60_000);
  // References (unlocked with the cast): four candidates, choose the second; then the creator's own two angles.
  const refCard = page.locator('[data-testid^="ref-card-"]').first();
  const refId = (await refCard.getAttribute("data-testid")).replace("ref-card-", "");
  await page.getByTestId(`ref-candidates-${refId}`).click();
  const candidates = page.getByTestId(`ref-candidate-list-${refId}`);
  await candidates.waitFor({ timeout: 60_000 });
  if ((await candidates.locator("img").count()) !== 4) fail("not four reference candidates");
  await until("four candidate pictures loaded", async () => (await candidates.locator("img").evaluateAll((is) => is.filter((i) => i.naturalWidth > 0).length)) === 4, 30_000);
  await snap("2-references-candidates");
  await page.getByTestId(`ref-choose-${refId}-1`).click();
  await until("the chosen candidate is in use", async () => (await refCard.textContent()).includes("후보에서 고른 이미지"), 30_000);
  if ((await candidates.count()) !== 0) fail("the candidates stayed after choosing");
  // A picture too small is refused here, in Korean, naming the file; nothing changes.
  const tiny = await page.screenshot({ clip: { x: 0, y: 0, width: 200, height: 200 } });
  await page.getByTestId(`ref-upload-${refId}`).setInputFiles([{ name: "작은사진.png", mimeType: "image/png", buffer: tiny }]);
  await refCard.getByText("작은사진.png 이미지가 200×200픽셀로 작습니다").waitFor({ timeout: 10_000 });
  const front = await page.screenshot({ clip: { x: 0, y: 0, width: 480, height: 600 } });
  const side = await page.screenshot({ clip: { x: 200, y: 100, width: 600, height: 480 }, type: "jpeg" });
  await page.getByTestId(`ref-upload-${refId}`).setInputFiles([
    { name: "정면.png", mimeType: "image/png", buffer: front },
    { name: "측면.jpg", mimeType: "image/jpeg", buffer: side },
  ]);
  await until("the creator's images are in use", async () => (await refCard.textContent()).includes("직접 올린 이미지"), 30_000);
  await page.getByTestId(`ref-versions-${refId}`).locator("summary").click();
  await until("three versions listed", async () => (await page.getByTestId(`ref-versions-${refId}`).locator("figure").count()) >= 2, 10_000);
  await snap("2-references");
  // Back to the chosen candidate (version in the list), then lock: the references lock with the voices.
  const usingBefore = await page.getByTestId(`ref-current-${refId}`).getAttribute("src");
  await page.locator(`[data-testid^="ref-use-${refId}-"]`).last().click();
  await until("an earlier version is in use", async () => (await page.getByTestId(`ref-current-${refId}`).getAttribute("src")) !== usingBefore, 30_000);
  if (!(await refCard.textContent()).includes("후보에서 고른 이미지")) fail("the earlier version is not the chosen candidate");
  await page.getByTestId("cast-lock").click();
  await until("cast locked after re-casting", async () => (await page.getByTestId("cast-state").textContent()).startsWith("잠김"));
  await page.getByTestId("refs-locked").waitFor({ timeout: 10_000 });
  if ((await page.getByTestId(`ref-candidates-${refId}`).count()) !== 0) fail("reference buttons shown while locked");
  await snap("2-casting");
  await language("casting", "ko");

  // 3. Episode script.
  await page.getByTestId("nav-script").click();
  await page.getByTestId("write-script").click();
  await page.getByTestId("script").waitFor({ timeout: 180_000 });
  await page.getByTestId("check-report").waitFor({ timeout: 60_000 });
  // Edit a line: words with nothing to say are caught before sending; a direction is split off on saving.
  await page.locator('[data-testid^="edit-line-"]').first().click();
  const lineForm = page.locator('[data-testid^="line-form-"]');
  const lineText = lineForm.locator('[data-testid^="line-text-"]');
  await lineText.fill("……");
  await lineForm.getByRole("alert").waitFor();
  if (await lineForm.locator('[data-testid^="save-line-"]').isEnabled()) fail("a line with nothing to say could be saved");
  await lineText.fill("(한숨) 그래, 오늘은 내가 먼저 말할게.");
  await lineForm.locator('[data-testid^="save-line-"]').click();
  const firstLine = page.locator('[data-testid^="line-L"]').first();
  await until("the edited line", async () => (await firstLine.textContent()).includes("오늘은 내가 먼저 말할게"), 30_000);
  if (!(await firstLine.textContent()).includes("(한숨)")) fail("the direction was not kept apart");
  await snap("3-script");
  await language("script", "ko");

  // 4. Scene priority review: flip two shots and watch the estimate move.
  await page.getByTestId("nav-priority").click();
  await page.getByTestId("shot-1").waitFor({ timeout: 60_000 });
  const label = () => page.getByTestId("cost-paid-label").textContent();
  const before = await label();
  for (const i of [0, 1]) {
    const was = await page.getByTestId(`flip-${i}`).textContent();
    await page.getByTestId(`flip-${i}`).click();
    await until(`shot ${i} flipped`, async () => (await page.getByTestId(`flip-${i}`).textContent()) !== was);
  }
  const after = await label();
  if (before === after) fail(`the estimate did not change (${before})`);
  console.log(`estimate with paid providers: ${before} → ${after}`);
  // The whole episode's estimate: offline here, so nothing to pay, and the voices line counts characters.
  await page.getByTestId("episode-estimate").waitFor({ timeout: 30_000 });
  await page.getByTestId("estimate-offline").waitFor();
  const voices = await page.getByTestId("estimate-voices-espeak").textContent();
  if (!/\$0\.00/.test(voices ?? "")) fail(`the offline voices cost something: ${voices}`);
  // Direct a shot: a new prompt; another shot replaced with the creator's own image (picked as a file).
  await page.getByTestId("edit-shot-2").click();
  await page.getByTestId("prompt-2").fill("A narrow basement corridor at 3 a.m., one flickering lamp, a ringing phone on the floor");
  await page.getByTestId("save-shot-2").click();
  await page.getByTestId("shot-done-2").waitFor({ timeout: 30_000 });
  const png = await page.evaluate(() => {
    const c = document.createElement("canvas");
    c.width = 640;
    c.height = 360;
    const g = c.getContext("2d");
    g.fillStyle = "#203050";
    g.fillRect(0, 0, 640, 360);
    g.fillStyle = "#e0b040";
    g.beginPath();
    g.arc(320, 180, 90, 0, 2 * Math.PI);
    g.fill();
    return c.toDataURL("image/png").split(",")[1];
  });
  await page.getByTestId("replace-0").setInputFiles({ name: "내 장면.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
  await page.getByTestId("own-0").waitFor({ timeout: 120_000 });
  await snap("4-priority");
  await language("priority", "ko");

  // 5. Production: produce episode 1 and watch it reach review.
  await page.getByTestId("nav-production").click();
  await page.getByTestId("produce").click();
  // Episode 2 as well (its script is written by the queue): two episodes to review side by side.
  await page.getByTestId("episode-picker").fill("2");
  await page.getByTestId("produce").click();
  await page.getByTestId(`progress-${series.id}-2`).waitFor({ timeout: 30_000 });
  await page.getByTestId("episode-picker").fill("1");
  const prog = page.getByTestId(`progress-${series.id}-1`);
  await prog.waitFor({ timeout: 30_000 });
  await until("some stage done", async () => /— [1-9]\d*\//.test(await prog.textContent()), 120_000, 500);
  await snap("5-production");
  await language("production", "ko");
  const episodeStatus = () => page.getByTestId("episode-status").first().getAttribute("data-status");
  await until("episodes 1 and 2 in review", async () => (await call("review_list")).filter((i) => i.status === "in_review").length === 2, 600_000, 1000);
  await until("episode 1 in review", async () => (await episodeStatus()) === "in_review", 60_000, 1000);
  await snap("5-production-in-review");
  // The stage history survives a reload (it comes from the jobs, not from this page's events).
  await page.reload();
  await page.getByTestId("history-line").first().waitFor({ timeout: 30_000 });
  if ((await page.getByTestId("history-line").count()) < 5) fail("the stage history is short after a reload");
  await language("production, in review", "ko");

  // Review as a review tool: scene markers jump the player, the script follows playback; one shot is redone from
  // the review card (its cost asked first), the earlier take is kept, the episode comes back to review, and the
  // creator's own image stays.
  await page.getByTestId("nav-review").click();
  const card = page.getByTestId(`review-${series.id}-1`);
  await card.getByTestId("scene-marks").waitFor({ timeout: 30_000 });
  const cardPlayer = card.getByTestId("player");
  await until("the player has the video", async () => (await cardPlayer.evaluate((v) => v.readyState)) >= 1, 60_000);
  await card.getByTestId("mark-2").click();
  await until("scene 2 is playing", async () => (await card.locator(".scene-mark.current").textContent()) === "2", 10_000);
  if (!((await cardPlayer.evaluate((v) => v.currentTime)) > 1)) fail("the scene marker did not move the player");
  await until("the script follows the player", async () => (await card.locator(".script-follow li.current").count()) === 1, 10_000);
  await snap("6-review-player");
  let asked = "";
  page.once("dialog", (d) => {
    asked = d.message();
    d.accept();
  });
  const redoButton = card.locator('[data-testid^="review-redo-"]').first();
  const redoIndex = Number((await redoButton.getAttribute("data-testid")).split("-").pop());
  await redoButton.click();
  await page.getByTestId("review-done").filter({ hasText: "다시 만들도록" }).waitFor({ timeout: 30_000 });
  if (!asked.includes("예상")) fail(`the redo did not say its cost first: "${asked}"`);
  await page.getByTestId("nav-production").click();
  await until("episode 1 back in review after the redo", async () => (await episodeStatus()) === "in_review", 600_000, 1000);
  await page.getByTestId("nav-priority").click();
  await page.getByTestId(`takes-${redoIndex}`).waitFor({ timeout: 30_000 });
  await page.getByTestId("own-0").waitFor();

  // 6. Review: the player loads the episode over HTTP (Range), then approve.
  await page.getByTestId("nav-review").click();
  const item = page.getByTestId(`review-${series.id}-1`);
  await item.waitFor({ timeout: 30_000 });
  const player = item.getByTestId("player");
  await until("the player has the video", async () => (await player.evaluate((v) => v.readyState)) >= 1, 60_000);
  const dur = await player.evaluate((v) => v.duration);
  if (!(dur > 30)) fail(`the episode plays ${dur} s`);
  // Metadata editor: the byte counter and limits live, then a new title saved; a thumbnail picked from a shot.
  await item.getByTestId("metadata-editor").locator("summary").click();
  await item.getByTestId("meta-title").fill("가".repeat(101));
  await item.getByTestId("meta-problems").waitFor();
  await item.getByTestId("meta-title").fill("브라우저 시험 EP.1 | 사라진 테이프");
  await item.getByTestId("meta-save").click();
  await until("metadata saved", async () =>
    readFileSync(join(data, `series/${series.id}/ep001/package/metadata.json`), "utf8").includes("사라진 테이프"));
  await item.locator(".still-row img").nth(1).click();
  // Each card keeps its own reason: episode 2 is rejected with its reason while episode 1's field stays empty.
  const item2 = page.getByTestId(`review-${series.id}-2`);
  await item2.getByTestId("reason").fill("2화 두 번째 장면이 너무 어둡습니다");
  if ((await item.getByTestId("reason").inputValue()) !== "") fail("episode 2's reason showed in episode 1's card");
  await item2.getByTestId("reject").click();
  await until("episode 2 rejected with its own reason", async () => {
    const ep2 = (await call("review_list")).find((i) => i.episode === 2);
    return ep2?.status === "rejected" && ep2.decisions.at(-1)?.reason === "2화 두 번째 장면이 너무 어둡습니다";
  }, 30_000);
  await item.getByTestId("reason").fill("좋습니다");
  const tomorrow = new Date(Date.now() + 86_400_000);
  const pad = (n) => String(n).padStart(2, "0");
  const local = `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}T19:00`;
  await item.getByTestId("schedule").fill(local);
  await snap("6-review");
  await language("review", "ko");
  await item.getByTestId("approve").click();
  await page.getByTestId("review-done").filter({ hasText: "공개 예정" }).waitFor({ timeout: 30_000 });
  const mp4 = join(data, `export/${series.id}/ep001/episode.mp4`);
  await until("the export folder has the episode", async () => existsSync(mp4), 180_000, 1000);
  const meta = JSON.parse(readFileSync(join(data, `export/${series.id}/ep001/metadata.json`), "utf8"));
  if (!meta.youtube?.status?.containsSyntheticMedia) fail("exported metadata lacks containsSyntheticMedia");
  if (meta.youtube.snippet.title !== "브라우저 시험 EP.1 | 사라진 테이프") fail(`exported title: ${meta.youtube.snippet.title}`);
  await page.getByTestId("nav-production").click();
  await until("episode 1 finished", async () => ["approved", "published"].includes(await episodeStatus()), 60_000, 500);

  // 6b. The series' home: episode 1 exported with every stage done; episode 3's next step opens its script.
  await page.getByTestId("nav-dashboard").click();
  const row1 = page.getByTestId("dash-ep-1");
  await row1.waitFor({ timeout: 30_000 });
  await until("the dashboard shows episode 1 done", async () => ["approved", "published"].includes(await row1.locator("[data-status]").getAttribute("data-status")), 30_000, 500);
  if (!(await row1.textContent()).includes(`export/${series.id}/ep001`)) fail("the dashboard does not show where episode 1 went");
  if ((await page.getByTestId("dash-next-3").getAttribute("data-next")) !== "write_script") fail("episode 3 next step is not its script");
  await snap("6b-dashboard");
  await language("dashboard", "ko");
  await page.getByTestId("dash-next-3").click();
  await until("the script screen opened", async () => (await page.url()).endsWith("#/script"));

  // 6c. Outfits from the story: episode 2 dresses the lead up for their last scene. Its shots say what they wear;
  // the casting screen has a reference set for the outfit, which gets four candidates and a choice.
  await page.getByTestId("episode-picker").fill("2");
  await page.getByTestId("nav-priority").click();
  const wears = page.locator('[data-testid^="outfits-"]').first();
  await wears.waitFor({ timeout: 60_000 });
  if (!(await wears.textContent()).includes("의상:")) fail(`the outfit line: ${await wears.textContent()}`);
  await language("priority, outfits", "ko");
  await page.getByTestId("episode-picker").fill("1");
  await page.getByTestId("nav-casting").click();
  const outfitSet = page.locator('[data-testid^="ref-outfit-"]').first();
  await outfitSet.waitFor({ timeout: 30_000 });
  const outfitId = (await outfitSet.getAttribute("data-testid")).replace("ref-outfit-", "").replace(/-0$/, "");
  if (!(await outfitSet.textContent()).includes("2화부터 입음")) fail(`the outfit set: ${await outfitSet.textContent()}`);
  await page.getByTestId("cast-lock").click();
  await until("cast unlocked for the outfit", async () => (await page.getByTestId("cast-state").textContent()).includes("잠기지"));
  await page.getByTestId(`ref-candidates-${outfitId}-o0`).click();
  const outfitCandidates = page.getByTestId(`ref-candidate-list-${outfitId}-o0`);
  await outfitCandidates.waitFor({ timeout: 60_000 });
  await until("four outfit candidates loaded", async () => (await outfitCandidates.locator("img").evaluateAll((is) => is.filter((i) => i.naturalWidth > 0).length)) === 4, 30_000);
  await page.getByTestId(`ref-choose-${outfitId}-o0-0`).click();
  await until("the outfit's reference is in use", async () => (await outfitSet.textContent()).includes("후보에서 고른 이미지"), 30_000);
  await page.getByTestId(`ref-current-${outfitId}-o0`).waitFor();
  await outfitSet.scrollIntoViewIfNeeded();
  await snap("2-references-outfit");
  await language("casting, outfits", "ko");
  await page.getByTestId("cast-lock").click();
  await until("cast locked after the outfit", async () => (await page.getByTestId("cast-state").textContent()).startsWith("잠김"));

  // 7. Settings: keys show only whether they are configured.
  await page.getByTestId("nav-settings").click();
  await page.getByTestId("keys").waitFor();
  const budget = page.locator('[data-field="visuals.budget_per_episode_usd"] input');
  // Nonsense is refused on the field before anything is saved: a budget above the hard cap, a work window in words.
  await budget.fill("999");
  await page.getByTestId("form-budgets").getByTestId("field-error").waitFor();
  const windowField = page.locator('[data-field="production.work_window"] input');
  await windowField.fill("밤 10시부터");
  await page.getByTestId("form-plan").getByTestId("field-error").waitFor();
  await windowField.fill("");
  if (await page.getByTestId("form-budgets").locator('button[type="submit"]').isEnabled()) fail("a budget above the cap could be saved");
  await page.locator('[data-field="production.review"] select').selectOption("flagged");
  await budget.fill("3.5");
  await budget.press("Enter");
  await until("config.toml saved", async () => readFileSync(join(data, "config.toml"), "utf8").includes("budget_per_episode_usd = 3.5"));
  // In force at once, no restart: the running studio estimates against the new budget.
  await page.getByTestId("form-budgets").getByTestId("form-note").filter({ hasText: "바로 적용" }).waitFor();
  const board2 = await call("storyboard", { series: series.id, episode: 1 });
  if (board2.plan.budget_usd !== 3.5) fail(`the running studio still budgets $${board2.plan.budget_usd}`);
  if ((await page.getByTestId("restart-needed").count()) !== 0) fail("a restart is asked for a value that applies at once");
  if ((await budget.inputValue()) !== "3.5") fail("the saved value is not shown");
  // Test connection: one cheap call per key against the stand-in; an accepted key and a refused one.
  await page.getByTestId("test-anthropic").click();
  await page.locator('[data-testid="test-result-anthropic"][data-kind="accepted"]').waitFor({ timeout: 30_000 });
  await page.getByTestId("test-openai").click();
  await page.locator('[data-testid="test-result-openai"][data-kind="rejected"]').waitFor({ timeout: 30_000 });
  // Alert channels: a chat id in words is refused on its field; a test alert reaches the stand-in Slack, and the
  // channels not set up say so.
  const chatField = page.locator('[data-field="alerts.telegram_chat_id"] input');
  await chatField.fill("우리 방");
  await page.getByTestId("form-alerts").getByTestId("field-error").waitFor();
  await chatField.fill("");
  await page.locator('[data-field="alerts.email_level"] select').selectOption("warning");
  await page.getByTestId("form-alerts").locator('button[type="submit"]').click();
  await until("alert routing saved", async () => readFileSync(join(data, "config.toml"), "utf8").includes('email_level = "warning"'));
  await page.getByTestId("test-alert").click();
  await page.locator('[data-testid="test-alert-result"] [data-channel="slack"][data-kind="sent"]').waitFor({ timeout: 30_000 });
  await page.locator('[data-testid="test-alert-result"] [data-channel="email"][data-kind="not_set_up"]').getByText("설정되지 않음").waitFor();
  // Other alerts may reach the stand-in too (the disk rule, on a nearly full machine): the test alert arrives once.
  if (slackPosts.filter((p) => String(p.text).includes("테스트 알림")).length !== 1) fail(`the stand-in Slack got ${JSON.stringify(slackPosts)}`);
  await page.getByTestId("test-alert-result").scrollIntoViewIfNeeded();
  await snap("7-settings-alerts");
  // Connect a channel: the OAuth client id typed in the form, then Google sign-in (the stand-in) in a new window.
  const clientId = page.locator('[data-field="youtube.client_id"] input');
  await clientId.fill("1234-test.apps.googleusercontent.com");
  await clientId.press("Enter");
  await until("client id saved", async () => readFileSync(join(data, "config.toml"), "utf8").includes("1234-test.apps.googleusercontent.com"));
  const popup = page.context().waitForEvent("page");
  await page.getByTestId("connect-channel").click();
  await (await popup).waitForLoadState();
  await until("the channel connected", async () => (await call("channels_list")).some((c) => c.id === "UCmockchannel" && c.state === "connected"), 30_000);
  await page.reload();
  await page.getByTestId("channels").getByText("시험 채널").waitFor({ timeout: 10_000 });
  await snap("7-settings");
  await language("settings", "ko");
  // English UI too: the directing flows again in English on episode 3, then every screen.
  await page.getByRole("button", { name: "English" }).click();
  await page.getByRole("heading", { name: "API keys" }).waitFor();
  await page.getByTestId("test-anthropic").click();
  await page.locator('[data-testid="test-result-anthropic"][data-kind="accepted"]').getByText("Connected").waitFor({ timeout: 30_000 });
  // Casting in English: edit another character, unlock, pick a voice, lock again.
  await page.getByTestId("nav-casting").click();
  await page.getByTestId("cast-state").waitFor({ timeout: 30_000 });
  await page.locator('[data-testid^="edit-character-"]').nth(1).click();
  const charFormEn = page.locator('[data-testid^="character-form-"]');
  await charFormEn.locator("input").nth(2).fill("night-shift editor");
  await charFormEn.getByTestId("save-character").click();
  await page.getByText("night-shift editor").waitFor({ timeout: 30_000 });
  await page.getByTestId("cast-lock").click();
  await until("cast unlocked (English)", async () => (await page.getByTestId("cast-state").textContent()).startsWith("Not locked"));
  const rowEn = page.locator("tbody tr").nth(1);
  await rowEn.locator('[data-testid^="pick-voice-"]').click();
  const selEn = rowEn.locator('[data-testid^="voice-select-"]');
  await selEn.waitFor({ timeout: 30_000 });
  const optsEn = await selEn.locator("option").evaluateAll((os) => os.map((o) => o.value));
  const primaryEn = await rowEn.locator("td").nth(1).textContent();
  await selEn.selectOption(optsEn[optsEn.length - 1]);
  await until("the picked voice (English)", async () => (await rowEn.locator("td").nth(1).textContent()) !== primaryEn, 30_000);
  await page.getByTestId("cast-lock").click();
  await until("cast locked (English)", async () => (await page.getByTestId("cast-state").textContent()).startsWith("Locked"));
  await page.getByTestId("nav-script").click();
  await page.getByTestId("episode-picker").fill("3");
  await page.getByTestId("write-script").click();
  await page.getByTestId("script").waitFor({ timeout: 180_000 });
  await page.locator('[data-testid^="edit-line-"]').first().click();
  const lineFormEn = page.locator('[data-testid^="line-form-"]');
  await lineFormEn.locator('[data-testid^="line-text-"]').fill("(sighs) Fine. I will say it first.");
  await lineFormEn.locator('[data-testid^="save-line-"]').click();
  await until("the edited line (English)", async () => (await page.locator('[data-testid^="line-L"]').first().textContent()).includes("I will say it first"), 30_000);
  await page.getByTestId("nav-priority").click();
  await page.getByTestId("shot-1").waitFor({ timeout: 60_000 });
  await page.getByTestId("edit-shot-1").click();
  await page.getByTestId("prompt-1").fill("A rooftop at dawn, two colleagues facing the city, cold wind, quiet resolve");
  await page.getByTestId("save-shot-1").click();
  await page.getByTestId("shot-done-1").waitFor({ timeout: 30_000 });
  await page.getByTestId("replace-0").setInputFiles({ name: "my shot.png", mimeType: "image/png", buffer: Buffer.from(png, "base64") });
  await page.getByTestId("own-0").getByText("My file").waitFor({ timeout: 120_000 });
  // Episode 1 is approved: an edit is refused in words, with the screen to look at.
  await page.getByTestId("episode-picker").fill("1");
  await page.getByTestId("shot-2").waitFor({ timeout: 60_000 });
  await page.getByTestId("edit-shot-2").click();
  await page.getByTestId("visual-2").fill("비 오는 골목, 두 사람이 멀어진다");
  page.once("dialog", (d) => d.accept());
  await page.getByTestId("save-shot-2").click();
  await page.getByTestId("shot-2").getByText("An approved or published episode can no longer be changed.").waitFor({ timeout: 30_000 });
  await page.getByTestId("episode-picker").fill("3");
  await page.getByTestId("shot-1").waitFor({ timeout: 60_000 });

  // Settings in English: nonsense refused on the field, and the channel connected again through the sign-in.
  await page.getByTestId("nav-settings").click();
  await page.getByTestId("keys").waitFor();
  await budget.fill("999");
  await page.getByTestId("form-budgets").getByTestId("field-error").waitFor();
  await windowField.fill("from 10 at night");
  await page.getByTestId("form-plan").getByTestId("field-error").waitFor();
  await snap("en-settings-errors");
  await language("settings, errors", "en");
  await budget.fill("3.5");
  await windowField.fill("");
  const popupEn = page.context().waitForEvent("page");
  await page.getByTestId("connect-channel").click();
  await (await popupEn).waitForLoadState();
  await page.getByTestId("channels").getByText("connected").waitFor({ timeout: 30_000 });

  // Plan a second series in English (a title is asked for first), publish it to the connected channel, produce two
  // episodes and watch them, review them with different reasons, approve one at a local time: it is uploaded (the
  // upload's bar seen) and the dashboard shows its video and its day on the upload calendar.
  await page.getByTestId("nav-planner").click();
  await page.getByRole("button", { name: "Plan it" }).click();
  await page.getByText("Enter a title.").waitFor();
  await page.locator('input[name="title"]').fill("Night Desk");
  await page.locator('select[name="genre"]').selectOption("comedy");
  await page.locator('input[name="episodes"]').fill("2");
  await page.locator('input[name="duration"]').fill("1");
  await page.locator('textarea[name="premise"]').fill("A night editor at a small radio station finds a tape nobody recorded");
  await page.getByRole("button", { name: "Plan it" }).click();
  await until("the English series planned", async () => (await call("series_list")).some((x) => x.title === "Night Desk"), 120_000, 500);
  const seriesEn = (await call("series_list")).find((x) => x.title === "Night Desk");
  await page.getByTestId("series-detail").getByText("Night Desk").first().waitFor({ timeout: 30_000 });
  await snap("en-planner-new");
  await page.getByTestId("nav-casting").click();
  await page.getByTestId("cast-state").waitFor({ timeout: 60_000 });
  await page.getByTestId("nav-dashboard").click();
  await page.getByTestId("channel-select").selectOption("UCmockchannel");
  await page.getByTestId("channel-note").waitFor({ timeout: 10_000 });
  await page.getByTestId("nav-production").click();
  await page.getByTestId("episode-picker").fill("1");
  await page.getByTestId("produce").click();
  await page.getByTestId("episode-picker").fill("2");
  await page.getByTestId("produce").click();
  const progEn = page.getByTestId(`progress-${seriesEn.id}-2`);
  await progEn.waitFor({ timeout: 60_000 });
  await until("some stage done (English)", async () => /— [1-9]\d*\//.test(await progEn.textContent()), 180_000, 500);
  await snap("en-production");
  await language("production, running", "en");
  await until("both English episodes in review", async () => (await call("review_list")).filter((i) => i.series_id === seriesEn.id && i.status === "in_review").length === 2, 600_000, 1000);
  await page.getByTestId("nav-review").click();
  const en1 = page.getByTestId(`review-${seriesEn.id}-1`);
  const en2 = page.getByTestId(`review-${seriesEn.id}-2`);
  await en2.waitFor({ timeout: 30_000 });
  await en2.getByTestId("reason").fill("Scene two is too dark to follow");
  if ((await en1.getByTestId("reason").inputValue()) !== "") fail("episode 2's reason showed in episode 1's card (English)");
  await en2.getByTestId("reject").click();
  await until("English episode 2 rejected with its reason", async () => {
    const ep2 = (await call("review_list")).find((i) => i.series_id === seriesEn.id && i.episode === 2);
    return ep2?.status === "rejected" && ep2.decisions.at(-1)?.reason === "Scene two is too dark to follow";
  }, 30_000);
  // A rejected card says what can be done next (make scenes again, or approve after all) and offers no second reject.
  await en2.getByTestId("rejected-note").waitFor({ timeout: 30_000 });
  if (await en2.getByTestId("reject").isVisible()) fail("a rejected episode can be rejected again");
  // Regenerate one shot of the rejected episode from its card, its cost asked first (in English).
  let askedEn = "";
  page.once("dialog", (d) => {
    askedEn = d.message();
    d.accept();
  });
  await en2.getByTestId("scene-marks").waitFor({ timeout: 30_000 });
  await en2.locator('[data-testid^="review-redo-"]').first().click();
  await page.getByTestId("review-done").filter({ hasText: "Queued to be made again" }).waitFor({ timeout: 30_000 });
  if (!askedEn.includes("Estimate")) fail(`the redo did not say its cost first (English): "${askedEn}"`);
  await en1.getByTestId("reason").fill("Good to go");
  await en1.getByTestId("schedule").fill(local);
  await snap("en-review");
  await language("review, deciding", "en");
  await en1.getByTestId("approve").click();
  await page.getByTestId("review-done").filter({ hasText: "Goes public" }).waitFor({ timeout: 30_000 });
  await page.getByTestId("nav-production").click();
  await page.getByTestId("upload-progress").waitFor({ timeout: 120_000 });
  await snap("en-upload-progress");
  await language("production, uploading", "en");
  await until("the episode uploaded to the channel", async () => uploads.some((x) => x.id && x.resource.status?.publishAt), 300_000, 1000);
  await page.getByTestId("nav-dashboard").click();
  const rowEn1 = page.getByTestId("dash-ep-1");
  await until("the dashboard links the video", async () => (await rowEn1.locator('a[href^="https://youtu.be/"]').count()) === 1, 60_000, 1000);
  const tomorrowDay = `${tomorrow.getFullYear()}-${pad(tomorrow.getMonth() + 1)}-${pad(tomorrow.getDate())}`;
  await page.locator(`[data-day="${tomorrowDay}"] [data-testid="cal-ep-1"][data-kind="scheduled"]`).waitFor({ timeout: 10_000 });
  await snap("en-dashboard-calendar");
  await language("dashboard, calendar", "en");
  // The first series' episode 1 went to the export folder before any channel was connected: once the series
  // publishes to the channel, the dashboard offers to upload it, and it goes up.
  await page.getByTestId("series-picker").selectOption(series.id);
  await page.getByTestId("channel-select").selectOption("UCmockchannel");
  await page.getByTestId("dash-upload-1").click();
  await until("the earlier episode uploaded", async () => uploads.filter((x) => x.id).length === 2, 300_000, 1000);
  await page.getByTestId("nav-dashboard").click();
  await until("its video linked", async () => (await page.getByTestId("dash-ep-1").locator('a[href^="https://youtu.be/"]').count()) === 1, 60_000, 1000);
  // Viewer feedback on the first series (Korean): two pages of comments naming its characters, the numbers, a
  // retention dip placed on its scene, then outline changes proposed, accepted and rolled back.
  const cast = (await call("series_show", { series: series.id })).plan.characters;
  const given = (n) => [...n].slice(-2).join("");
  feedbackComments = [
    ...Array.from({ length: 6 }, (_, i) => (i % 2 ? `${given(cast[0].name)}아 너무 좋아 최고` : `${cast[0].name} 연기 대박`)),
    ...Array.from({ length: 3 }, () => "반전 대박 소름"),
    ...Array.from({ length: 3 }, () => "전개가 너무 느려요 늘어짐"),
    ...Array.from({ length: 2 }, () => `${cast[1].name} 답답해요 고구마`),
    ...Array.from({ length: 3 }, () => "빨리 다음화 주세요"),
    "@someone 오늘 몇시에 올라와요",
  ];
  await page.getByRole("button", { name: "한국어" }).click();
  await page.getByTestId("nav-feedback").click();
  await page.getByTestId("series-picker").selectOption(series.id);
  await page.getByTestId("fb-collect").click();
  await page.getByTestId("fb-note").waitFor({ timeout: 60_000 });
  await page.getByTestId("retention-chart").waitFor({ timeout: 30_000 });
  const leaves = await page.getByTestId("leaves").textContent();
  if (!/\d+번 장면/.test(leaves)) fail(`the retention dip was not placed on a scene: "${leaves}"`);
  if ((await page.getByTestId("fb-characters").textContent()).indexOf(cast[0].name) < 0) fail("the most mentioned character is not shown");
  if (await page.getByText("@someone").count()) fail("a viewer's handle reached the screen");
  await snap("8-feedback");
  await language("feedback", "ko");
  // A nickname viewers use, named by the creator.
  await page.getByTestId("fb-aliases").locator("summary").click();
  await page.getByTestId(`alias-${cast[1].id}`).fill("고구마왕, 민서쓰");
  await page.getByTestId(`alias-save-${cast[1].id}`).click();
  await page.getByTestId("alias-note").waitFor({ timeout: 30_000 });
  await until("the nickname stored", async () => (await call("feedback_show", { series: series.id })).aliases.some((a) => a.id === cast[1].id && a.aliases.includes("민서쓰")), 10_000);
  await page.getByTestId("fb-propose").click();
  const change = page.locator('[data-testid^="change-"][data-state="pending"]').first();
  await change.waitFor({ timeout: 30_000 });
  await change.scrollIntoViewIfNeeded();
  await snap("8-feedback-proposal");
  await language("feedback, proposal", "ko");
  const changeId = (await change.getAttribute("data-testid")).replace("change-", "");
  const outlinesBefore = (await call("series_show", { series: series.id })).plan.outlines;
  await page.getByTestId(`accept-${changeId}`).click();
  await page.locator(`[data-testid="change-${changeId}"][data-state="accepted"]`).waitFor({ timeout: 30_000 });
  const outlinesAfter = (await call("series_show", { series: series.id })).plan.outlines;
  if (JSON.stringify(outlinesAfter) === JSON.stringify(outlinesBefore)) fail("accepting the change did not change the outline");
  await page.getByTestId(`rollback-${changeId}`).click();
  await page.locator(`[data-testid="change-${changeId}"][data-state="rolled_back"]`).waitFor({ timeout: 30_000 });
  if (JSON.stringify((await call("series_show", { series: series.id })).plan.outlines) !== JSON.stringify(outlinesBefore)) fail("the roll-back did not restore the outline");
  await page.getByRole("button", { name: "English" }).click();
  await page.getByTestId("retention-chart").waitFor({ timeout: 30_000 });
  await snap("en-feedback");
  await language("feedback", "en");
  for (const screen of ["dashboard", "planner", "casting", "script", "priority", "production", "review", "feedback", "settings"]) {
    await page.getByTestId(`nav-${screen}`).click();
    await page.waitForTimeout(1500);
    await snap(`en-${screen}`);
    await language(screen, "en");
  }
  if (problems.length) fail(`words the creator should not see:\n${problems.join("\n")}`);
  if (errors.length) fail(`page errors: ${errors.join("; ")}`);
  ok = true;
  console.log(`browser flow passed; screenshots in ${shots}`);
} finally {
  await browser.close();
  server.kill("SIGTERM");
  mock.close();
  await new Promise((r) => setTimeout(r, 500));
  if (ok) rmSync(data, { recursive: true, force: true });
  else console.error(`data left in ${data}\n--- aidas serve stderr ---\n${stderr.slice(-4000)}`);
}
process.exit(ok ? 0 : 1);
