import { describe, expect, it } from "vitest";
import { translator } from "./i18n";
import { accountLabel, alertLabel, episodeLabel, keyNameLabel, findingLabel, formatDuration, formatTime, jobLabel, providerLabel, routeWhyLabel, stageLabel } from "./labels";

const ko = translator("ko");
const en = translator("en");

describe("the engine's names in the creator's words", () => {
  it("says stages, statuses and findings in Korean and English, never as keys", () => {
    expect(stageLabel(ko, "review_gate")).toBe("검토 대기");
    expect(stageLabel(en, "memory_update")).toBe("Story memory update");
    expect(jobLabel(ko, "needs_attention")).toBe("확인 필요");
    expect(episodeLabel(ko, "in_review")).toBe("검토 중");
    expect(episodeLabel(en, null)).toBe("State unreadable");
    expect(findingLabel(ko, "nothing_to_speak")).toBe("말할 내용이 없는 대사");
    expect(providerLabel(ko, "google_tts")).toBe("Google 음성");
    expect(providerLabel(ko, "espeak")).toContain("오프라인");
    expect(providerLabel(en, "some_new_vendor")).toBe("some_new_vendor");
  });
  it("gives the reason for a route", () => {
    expect(routeWhyLabel(ko, { kind: "video_over_limit", limit: "hard_cap" }, { kind: "paid" })).toBe("영상을 쓰면 상한을 넘음 → AI 이미지");
    expect(routeWhyLabel(en, { kind: "no_video_provider" }, { kind: "no_image_provider" })).toBe(
      "no video provider key → no image provider key: offline image",
    );
    expect(routeWhyLabel(en, { kind: "video" }, null)).toBe("high priority, within budget");
    // Caps hit when sending, and failures, say so instead of "video".
    expect(routeWhyLabel(ko, { kind: "video_over_limit", limit: "episode_cap" }, { kind: "paid" })).toBe("영상을 쓰면 회당 상한을 넘음 → AI 이미지");
    expect(routeWhyLabel(en, { kind: "low_priority" }, { kind: "over_limit", limit: "daily_cap" })).toBe(
      "low priority → a paid image would pass the daily cap too: offline image",
    );
    expect(routeWhyLabel(en, { kind: "video_failed" }, { kind: "paid_failed" })).toBe("the video failed (not charged) → the paid image failed: offline image");
  });
  it("shows times in the creator's zone and durations in words", () => {
    const ko19 = formatTime("2026-12-01T10:00:00Z", "ko", "Asia/Seoul");
    expect(ko19).toContain("12월 1일");
    expect(ko19).toContain("7:00");
    expect(ko19).not.toMatch(/\d{4}-\d{2}-\d{2}T/);
    expect(formatTime("2026-12-01T10:00:00Z", "en", "America/New_York")).toContain("05:00");
    expect(formatDuration(ko, 200)).toBe("3분 20초");
    expect(formatDuration(en, 42, "en")).toBe("42 s");
  });
});

describe("alerts", () => {
  it("says what an alert is about with the series by title", () => {
    const title = (id: string) => (id === "s-1" ? "서울의 봄" : id);
    expect(alertLabel(ko, { kind: "ready_for_review", series_id: "s-1", episode: 2 }, title)).toBe("서울의 봄 2화: 검토를 기다립니다");
    expect(alertLabel(en, { kind: "needs_attention", series_id: "s-1", episode: 1, stage: "voices", code: "quota_exhausted" }, title)).toBe(
      "서울의 봄, episode 1: the Voices stage needs attention",
    );
    expect(alertLabel(ko, { kind: "spend", cap: "daily cap", spent_usd: 8.5, limit_usd: 10 }, title)).toContain("$8.50");
    expect(alertLabel(ko, { kind: "episode_spend", series_id: "s-1", episode: 2, spent_usd: 8.5, limit_usd: 10 }, title)).toBe("서울의 봄 2화: 회당 상한 $10.00 중 $8.50를 썼습니다 (85%). 상한에 닿으면 나머지는 더 싼 방법(정지 이미지, 오프라인 목소리, 아바타 없이)으로 만듭니다");
    expect(alertLabel(en, { kind: "disk", used: 0.934 }, title)).toBe("The data disk is 93% full");
  });
});

describe("keys in line", () => {
  it("names a further key by its provider and place, never as fal#2", () => {
    expect(keyNameLabel(ko, "fal#2")).toBe("fal (FLUX·Kling) — 두 번째 키");
    expect(keyNameLabel(en, "heygen#3")).toBe("HeyGen — third key");
    expect(keyNameLabel(ko, "fal")).toBe("fal (FLUX·Kling)");
    expect(accountLabel(en, "fal", 1)).toBe("fal (FLUX, Kling) — first key");
  });
});
