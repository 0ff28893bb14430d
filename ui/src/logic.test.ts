import { describe, expect, it } from "vitest";
import { SERIES_LIMITS } from "./bindings/client";
import { translator } from "./i18n";
import { costBar, emptyNewSeries, localToUtc, secondsLeft, settingProblems, zonedToUtc, metadataProblems, nextStep, routeLabel, stageProgress, tagsLength, toNewSeries, utf8Bytes, validateNewSeries, type NewSeriesForm, hasWordsToSay, splitTraits, fileToBase64, nextScreen, localDay, calendarEntries, calendarMonth, shownStatus } from "./logic";

const ok: NewSeriesForm = {
  title: "서울의 봄",
  genre: "romance",
  episodes: 10,
  duration_min: 2,
  premise: "",
  audience: "20-30대",
  writer: "offline",
};

describe("new series form", () => {
  it("accepts a sensible form", () => {
    expect(validateNewSeries(ok)).toEqual({});
  });
  it("names every bad field", () => {
    const e = validateNewSeries({ ...ok, title: "  ", episodes: 0, duration_min: 31 });
    expect(e).toEqual({ title: "err.title_required", episodes: "err.episodes_range", duration_min: "err.duration_range" });
    expect(validateNewSeries({ ...ok, episodes: 2.5 }).episodes).toBe("err.episodes_range");
    expect(validateNewSeries({ ...ok, title: "가".repeat(81) }).title).toBe("err.title_long");
  });
});

describe("cost bar", () => {
  it("places the estimate and the budget on the hard cap's scale", () => {
    const b = costBar(1.25, 2.5, 5);
    expect(b.estimateShare).toBeCloseTo(0.25);
    expect(b.budgetShare).toBeCloseTo(0.5);
    expect(b.overBudget).toBe(false);
    expect(b.label).toBe("$1.25 / $2.50");
  });
  it("flags over budget and over cap, and never draws past the end", () => {
    const b = costBar(6, 2.5, 5);
    expect(b.overBudget && b.overCap).toBe(true);
    expect(b.estimateShare).toBe(1);
    expect(costBar(0, 0, 0).estimateShare).toBe(0);
  });
});

describe("stage progress and routes", () => {
  it("counts done stages and the first that waits for a person", () => {
    const p = stageProgress([
      { stage: "script", status: "succeeded" },
      { stage: "render", status: "succeeded" },
      { stage: "review_gate", status: "needs_attention" },
      { stage: "publish", status: "queued" },
    ]);
    expect(p).toEqual({ done: 2, total: 4, blocked: "review_gate" });
  });
  it("names routes from the engine's tagged enum", () => {
    expect(routeLabel({ kind: "video" })).toBe("video");
    expect(routeLabel({ kind: "still" })).toBe("still");
    expect(routeLabel({ kind: "offline_still" })).toBe("offline");
  });
});

describe("metadata editor limits", () => {
  it("counts Korean descriptions in UTF-8 bytes, as YouTube does", () => {
    const at = "가".repeat(1666) + "ab";
    expect(utf8Bytes(at)).toBe(5000);
    expect(metadataProblems("제목", at, [])).toEqual([]);
    expect(metadataProblems("제목", at + "c", [])).toEqual([{ key: "meta.description_long", n: 5001, max: 5000 }]);
  });
  it("counts tags with commas and quotes, and titles in characters", () => {
    expect(tagsLength(["드라마", "AI 드라마"])).toBe(3 + 1 + 8);
    expect(metadataProblems("가".repeat(101), "", [])[0]).toEqual({ key: "meta.title_long", n: 101, max: 100 });
    expect(metadataProblems("a<b", "", [])).toContainEqual({ key: "meta.angle_brackets" });
  });
  it("turns a local schedule time into RFC 3339 UTC", () => {
    expect(localToUtc("")).toBeNull();
    expect(localToUtc("nonsense")).toBeNull();
    expect(localToUtc("2026-12-01T19:00")).toMatch(/^2026-12-01T\d{2}:00:00Z$/);
  });
});

describe("one set of limits and defaults, from the engine", () => {
  it("a new form starts with the engine's defaults and is sent under the command's field names", () => {
    const f = emptyNewSeries();
    expect(f.episodes).toBe(SERIES_LIMITS.default_episodes);
    expect(f.duration_min).toBe(SERIES_LIMITS.default_episode_minutes);
    const n = toNewSeries({ ...f, title: "  밤의 목격자 ", duration_min: 3, audience: "30대" });
    expect(n).toMatchObject({ title: "밤의 목격자", episode_duration_min: 3, target_audience: "30대" });
  });
  it("the limits are checked at the engine's numbers and named in the message", () => {
    const over = { ...ok, episodes: SERIES_LIMITS.max_episodes + 1 };
    expect(validateNewSeries(over).episodes).toBe("err.episodes_range");
    expect(validateNewSeries({ ...ok, episodes: SERIES_LIMITS.max_episodes })).toEqual({});
    expect(translator("ko")("err.episodes_range")).toContain(String(SERIES_LIMITS.max_episodes));
    expect(translator("en")("err.duration_range")).toContain(String(SERIES_LIMITS.max_episode_minutes));
    // Korean titles are counted in characters, as the engine counts them.
    expect(validateNewSeries({ ...ok, title: "가".repeat(SERIES_LIMITS.max_title_chars) })).toEqual({});
  });
});

describe("what to do next after an error", () => {
  it("branches on the code and always gives a message in both languages", () => {
    expect(nextStep("unknown_series")).toBe("next.series");
    expect(nextStep("missing_key")).toBe("next.key");
    expect(nextStep("reconnect_channel")).toBe("next.channel");
    expect(nextStep("transport")).toBe("next.transport");
    expect(nextStep("invalid_input")).toBe("next.input");
    for (const code of ["unknown_series", "missing_key", "youtube_quota", "internal", "transport", "duplicate_series"] as const) {
      for (const lang of ["ko", "en"] as const) {
        const key = nextStep(code);
        expect(translator(lang)(key)).not.toBe(key);
      }
    }
  });
});

describe("times in the creator's time zone", () => {
  it("reads a wall-clock time in the creator's zone", () => {
    // Seoul has no daylight saving: 19:00 KST is 10:00 UTC.
    expect(zonedToUtc("2026-12-01T19:00", "Asia/Seoul")).toBe("2026-12-01T10:00:00Z");
    // New York in winter (EST, −5) and in summer (EDT, −4).
    expect(zonedToUtc("2026-12-01T19:00", "America/New_York")).toBe("2026-12-02T00:00:00Z");
    expect(zonedToUtc("2026-07-01T19:00", "America/New_York")).toBe("2026-07-01T23:00:00Z");
    expect(zonedToUtc("", "Asia/Seoul")).toBeNull();
    expect(zonedToUtc("19:00", "Asia/Seoul")).toBeNull();
    expect(zonedToUtc("2026-02-30T10:00", "Asia/Seoul")).toBeNull();
    // The skipped hour (New York, 8 March 2026, 02:00 → 03:00): the time after the jump, never earlier.
    expect(zonedToUtc("2026-03-08T02:30", "America/New_York")).toBe("2026-03-08T07:30:00Z");
    // The repeated hour (1 November 2026, 01:00–02:00 twice): the earlier one.
    expect(zonedToUtc("2026-11-01T01:30", "America/New_York")).toBe("2026-11-01T05:30:00Z");
    // Berlin, east of UTC, the same rules.
    expect(zonedToUtc("2026-03-29T02:30", "Europe/Berlin")).toBe("2026-03-29T01:30:00Z");
  });
  it("says how long is left once the rate is known", () => {
    expect(secondsLeft([0, 0], [500, 10], 100)).toBeNull();
    expect(secondsLeft([0, 0], [10_000, 100], 1000)).toBe(90);
    expect(secondsLeft([0, 0], [10_000, 1000], 1000)).toBe(0);
  });
});

describe("settings checked as typed", () => {
  it("refuses nonsense on the field it belongs to", () => {
    expect(settingProblems({ "visuals.budget_per_episode_usd": "8", "visuals.hard_cap_usd": "5" })).toEqual({
      "visuals.budget_per_episode_usd": "settings.err_budget_over_cap",
    });
    expect(settingProblems({ "production.work_window": "밤 10시부터" })).toEqual({ "production.work_window": "settings.err_window" });
    expect(settingProblems({ "production.time_zone": "Seoul/Nowhere" })).toEqual({ "production.time_zone": "settings.err_zone" });
    expect(settingProblems({ "youtube.publish_times": "19:00, 7pm" })).toEqual({ "youtube.publish_times": "settings.err_times" });
    expect(settingProblems({ "production.episodes_per_day": "2.5", "production.daily_cap_usd": "-1" })).toEqual({
      "production.episodes_per_day": "settings.err_count",
      "production.daily_cap_usd": "settings.err_money",
    });
  });
  it("checks the alert channels' addresses, chat and port as typed", () => {
    expect(
      settingProblems({
        "alerts.email_to": "pd@example.com, 작가님",
        "alerts.email_from": "studio@example.com",
        "alerts.telegram_chat_id": "우리 방",
        "alerts.smtp_port": "70000",
      }),
    ).toEqual({
      "alerts.email_to": "settings.err_email",
      "alerts.telegram_chat_id": "settings.err_chat",
      "alerts.smtp_port": "settings.err_port",
    });
    expect(
      settingProblems({
        "alerts.email_to": "pd@example.com, writer@example.co.kr",
        "alerts.email_from": "",
        "alerts.telegram_chat_id": "-1001234567890",
        "alerts.smtp_port": "587",
      }),
    ).toEqual({});
    expect(settingProblems({ "alerts.telegram_chat_id": "@aidas_alerts" })).toEqual({});
  });
  it("accepts sensible values and empty optional ones", () => {
    expect(
      settingProblems({
        "visuals.budget_per_episode_usd": "2.5",
        "visuals.hard_cap_usd": "5",
        "production.work_window": "22:00-07:00",
        "production.time_zone": "Asia/Seoul",
        "youtube.publish_times": "19:00, 21:30",
        "production.episodes_per_day": "10",
      }),
    ).toEqual({});
    expect(settingProblems({ "production.work_window": "", "youtube.publish_times": "" })).toEqual({});
    // The engine's clock rule: 9:00 and 24:00 are times.
    expect(settingProblems({ "production.work_window": "22:00-24:00", "youtube.publish_times": "9:00, 21:30" })).toEqual({});
    // An emptied amount is refused (it would be saved as 0).
    expect(settingProblems({ "visuals.hard_cap_usd": "" })).toEqual({ "visuals.hard_cap_usd": "settings.err_money" });
  });
});

describe("directing inputs", () => {
  it("knows a line with nothing to say, as the engine does", () => {
    for (const nothing of ["……", "---", "!!!", "😊😊", "   ", "(한숨)", "[웃으며]", "ㅋㅋㅋ", "ㅠㅠ"]) expect(hasWordsToSay(nothing), nothing).toBe(false);
    for (const words of ["(한숨) 그래, 알았어.", "OK", "3시에 봐", "*정말*"]) expect(hasWordsToSay(words), words).toBe(true);
  });
  it("splits traits on any comma people type", () => {
    expect(splitTraits("차분함, 고집이 셈，정의로움、 ")).toEqual(["차분함", "고집이 셈", "정의로움"]);
  });
  it("carries a file as padded standard base64", async () => {
    const bytes = new Uint8Array([0, 255, 16, 32, 64]);
    expect(await fileToBase64(new Blob([bytes]))).toBe("AP8QIEA=");
  });
});

describe("errors that lead somewhere", () => {
  it("sends each next step to the screen where it is done", () => {
    expect(nextScreen(nextStep("missing_key"))?.screen).toBe("settings");
    expect(nextScreen(nextStep("cast_locked"))?.screen).toBe("casting");
    expect(nextScreen(nextStep("awaiting_review"))?.screen).toBe("review");
    expect(nextScreen(nextStep("step_missing"))?.screen).toBe("script");
    expect(nextScreen(nextStep("work_in_progress"))?.screen).toBe("production");
    expect(nextScreen(nextStep("invalid_input"))).toBeNull();
  });
});

describe("upload calendar", () => {
  it("puts an instant on the creator's day, not the UTC one", () => {
    // 23:30 UTC on 1 December is already 2 December in Seoul.
    expect(localDay("2026-12-01T23:30:00Z", "Asia/Seoul")).toBe("2026-12-02");
    expect(localDay("2026-12-01T23:30:00Z", "UTC")).toBe("2026-12-01");
    expect(localDay("not a time", "Asia/Seoul")).toBeNull();
    // An unknown zone falls back to the browser's rather than failing.
    expect(localDay("2026-12-01T12:00:00Z", "Mars/Olympus")).toMatch(/^2026-12-0[12]$/);
  });
  it("shows approved episodes only, scheduled by their time, else on the approval day", () => {
    const card = (number: number, status: string, publish_at: string | null, approved_at: string | null, export_dir: string | null = null) => ({ number, title: `ep${number}`, status, publish_at, approved_at, export_dir });
    const now = Date.parse("2026-12-02T00:00:00Z");
    const e = calendarEntries(
      [
        card(1, "published", null, "2026-12-01T10:00:00Z"),
        card(2, "approved", "2026-12-03T10:00:00Z", "2026-12-01T11:00:00Z"),
        card(3, "published", "2026-12-04T10:00:00Z", "2026-12-01T12:00:00Z"),
        card(4, "approved", null, "2026-12-01T13:00:00Z", "export/s/ep004"),
        card(5, "in_review", null, null),
        card(6, "rejected", null, null),
        card(7, "published", "2026-12-01T19:00:00Z", "2026-11-30T12:00:00Z"),
        // Approved, not exported yet: on its way, not "exported".
        card(8, "approved", null, "2026-12-01T14:00:00Z"),
        // Its time passed before it could go up (say the quota ran out): not "published".
        card(9, "approved", "2026-12-01T20:00:00Z", "2026-11-30T12:00:00Z", "export/s/ep009"),
        // Approved for a later time but sent to the export folder (no channel): exported, not "scheduled".
        card(10, "approved", "2026-12-05T10:00:00Z", "2026-11-30T12:00:00Z", "export/s/ep010"),
      ],
      now,
    );
    expect(e.map((x) => [x.number, x.kind, x.at])).toEqual([
      [1, "published", "2026-12-01T10:00:00Z"],
      [2, "scheduled", "2026-12-03T10:00:00Z"],
      [3, "scheduled", "2026-12-04T10:00:00Z"],
      [4, "exported", "2026-12-01T13:00:00Z"],
      [7, "published", "2026-12-01T19:00:00Z"],
      [8, "waiting", "2026-12-01T14:00:00Z"],
      [9, "exported", "2026-12-01T20:00:00Z"],
      [10, "exported", "2026-12-05T10:00:00Z"],
    ]);
    // Uploaded but private until its time: shown as scheduled, then as published.
    expect(shownStatus("published", "2026-12-04T10:00:00Z", now)).toBe("scheduled");
    expect(shownStatus("published", "2026-12-01T19:00:00Z", now)).toBe("published");
    expect(shownStatus("published", null, now)).toBe("published");
    expect(shownStatus("approved", "2026-12-04T10:00:00Z", now)).toBe("approved");
  });
  it("lays a month out Monday first with the entries on their local days", () => {
    // December 2026 starts on a Tuesday and has 31 days.
    const weeks = calendarMonth(2026, 12, [{ at: "2026-12-01T23:30:00Z" }, { at: "2026-12-31T10:00:00Z" }], "Asia/Seoul");
    expect(weeks.length).toBe(5);
    expect(weeks.every((w) => w.length === 7)).toBe(true);
    expect(weeks[0][0]).toBeNull();
    expect(weeks[0][1]?.day).toBe("2026-12-01");
    expect(weeks[0][1]?.entries.length).toBe(0);
    expect(weeks[0][2]?.entries.length).toBe(1);
    expect(weeks[4][3]?.day).toBe("2026-12-31");
    expect(weeks[4][3]?.entries.length).toBe(1);
    expect(weeks[4][4]).toBeNull();
    // A month starting on Monday has no leading blanks (February 2027 starts on a Monday).
    expect(calendarMonth(2027, 2, [])[0][0]?.day).toBe("2027-02-01");
  });
});
