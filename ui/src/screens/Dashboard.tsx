import { useEffect, useState } from "react";
import type { ChannelRow } from "../bindings/ChannelRow";
import type { EpisodeCard } from "../bindings/EpisodeCard";
import type { NextStep } from "../bindings/NextStep";
import type { SeriesDashboard } from "../bindings/SeriesDashboard";
import type { Key } from "../i18n";
import { episodeLabel, formatDay, formatTime, providerLabel, stageLabel } from "../labels";
import { calendarEntries, calendarMonth, localDay, shownStatus, nextStep as nextStepForCode, type CalendarEntry } from "../logic";
import { useAction, ErrorBox, SeriesPicker, useSeriesList, type Ctx, Meter } from "./common";

// 0. A series' home -----------------------------------------------------------------------------------------------

const NEXT: Record<NextStep, Key> = {
  write_script: "dash.next.write_script",
  produce: "dash.next.produce",
  producing: "dash.next.producing",
  fix_attention: "dash.next.fix_attention",
  review: "dash.next.review",
  publishing: "dash.next.publishing",
  done: "dash.next.done",
};

export function Dashboard({ ctx, go }: { ctx: Ctx; go: (screen: "script" | "production" | "review" | "settings") => void }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [dash, setDash] = useState<SeriesDashboard | null>(null);
  const [channels, setChannels] = useState<ChannelRow[]>([]);
  const [channelNote, setChannelNote] = useState("");
  const act = useAction();
  const channelNews = ctx.events.filter((e) => e.type === "alert" && e.about.kind === "channel_connected").length;
  useEffect(() => {
    ctx.api.channels_list().then(setChannels).catch(() => setChannels([]));
  }, [ctx.api, channelNews]);
  useEffect(() => setChannelNote(""), [ctx.series]);
  useEffect(() => {
    if (!ctx.series) return;
    const s = ctx.series;
    let live = true;
    const load = () =>
      ctx.api
        .series_dashboard({ series: s })
        .then((d) => live && setDash(d))
        .catch(() => live && setDash(null));
    load();
    const id = setInterval(load, 3000);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, [ctx.api, ctx.series]);
  const setChannel = (channel: string) =>
    act
      .run(() => ctx.api.publish_channel_set({ series: ctx.series as string, channel: channel || undefined }))
      .then((rows) => {
        if (!rows) return;
        setChannels(rows);
        setDash((d) => d && { ...d, publish_channel: channel || null });
        const name = rows.find((c) => c.id === channel)?.name ?? "";
        setChannelNote(channel ? t("dash.channel.saved").replace("{channel}", name) : t("dash.channel.saved_folder"));
      });
  const act_on = (c: EpisodeCard) => {
    ctx.setEpisode(c.number);
    switch (c.next) {
      case "write_script":
        return go("script");
      case "produce":
        return act.run(() => ctx.api.produce({ series: ctx.series as string, episode: c.number })).then(() => go("production"));
      case "review":
        return go("review");
      default:
        return go("production");
    }
  };
  // Spending per day: one bar a day, the providers named beside it.
  const days = new Map<string, { total: number; providers: string[] }>();
  for (const d of dash?.spend_by_day ?? []) {
    const day = days.get(d.day) ?? { total: 0, providers: [] };
    day.total += d.usd;
    day.providers.push(`${providerLabel(t, d.provider)} $${d.usd.toFixed(2)}`);
    days.set(d.day, day);
  }
  const most = Math.max(0.01, ...[...days.values()].map((d) => d.total));
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} />
      <ErrorBox error={act.error} t={t} />
      {!ctx.series && <p>{t("dash.pick")}</p>}
      {dash && (
        <>
          <h2>
            {dash.title} {dash.paused && <span className="badge paused">{t("common.paused")}</span>}
          </h2>
          <div className="row" data-testid="publish-channel">
            {channels.length === 0 ? (
              <>
                <span className="small">{t("dash.channel.none")}</span>
                <button onClick={() => go("settings")}>{t("dash.channel.connect")}</button>
              </>
            ) : (
              <label>
                {t("dash.channel")}{" "}
                <select data-testid="channel-select" value={dash.publish_channel ?? ""} disabled={act.busy} onChange={(e) => setChannel(e.target.value)}>
                  <option value="">{t("dash.channel.folder")}</option>
                  {channels.map((c) => (
                    <option key={c.id} value={c.id}>
                      {c.name}
                    </option>
                  ))}
                </select>
              </label>
            )}
            {channelNote && (
              <span className="small" role="status" data-testid="channel-note">
                {channelNote}
              </span>
            )}
          </div>
          <table className="dashboard" data-testid="dashboard">
            <thead>
              <tr>
                <th>{t("common.episode")}</th>
                <th>{t("dash.state")}</th>
                <th>{t("dash.progress")}</th>
                <th>{t("dash.public")}</th>
                <th>{t("dash.where")}</th>
                <th>{t("dash.cost")}</th>
                <th>{t("dash.next")}</th>
              </tr>
            </thead>
            <tbody>
              {dash.episodes.map((c) => (
                <tr key={c.number} data-testid={`dash-ep-${c.number}`}>
                  <td>
                    {c.number}. {c.title}
                  </td>
                  <td data-status={c.status}>
                    {episodeLabel(t, shownStatus(c.status, c.publish_at))}
                    {c.attention && (
                      <div className="warn small">
                        {stageLabel(t, c.attention.stage)}: {t(nextStepForCode(c.attention.code ?? "internal"))}
                      </div>
                    )}
                  </td>
                  <td>{c.stages_total > 0 ? `${c.stages_done}/${c.stages_total}` : "—"}</td>
                  <td>{c.publish_at ? formatTime(c.publish_at, ctx.lang, ctx.timeZone) : "—"}</td>
                  <td>
                    {c.video_id ? (
                      <a href={`https://youtu.be/${c.video_id}`} target="_blank" rel="noopener noreferrer">
                        YouTube
                      </a>
                    ) : c.export_dir ? (
                      <span>
                        {t("dash.folder")}: <code>{c.export_dir}</code>
                      </span>
                    ) : (
                      "—"
                    )}
                  </td>
                  <td title={c.spend.map((p) => `${providerLabel(t, p.provider)} $${p.usd.toFixed(2)}`).join(", ")}>${c.cost_usd.toFixed(2)}</td>
                  <td>
                    {c.status === "approved" && c.export_dir && !c.video_id && dash.publish_channel ? (
                      // Approved when the series had no channel: it went to the export folder; it can go up now.
                      <UploadNow ctx={ctx} series={dash.series_id} episode={c.number} done={() => go("production")} />
                    ) : c.next === "producing" || c.next === "publishing" || c.next === "done" ? (
                      <span className="small" data-next={c.next}>
                        {t(NEXT[c.next])}
                      </span>
                    ) : (
                      <button data-testid={`dash-next-${c.number}`} data-next={c.next} disabled={act.busy} onClick={() => act_on(c)}>
                        {t(NEXT[c.next])}
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <UploadCalendar ctx={ctx} entries={calendarEntries(dash.episodes)} />
          <h2>
            {t("dash.spend")} · {t("dash.total")} ${dash.total_usd.toFixed(2)}
          </h2>
          {days.size === 0 ? (
            <p className="small">{t("dash.no_spend")}</p>
          ) : (
            <div className="chart" data-testid="spend-chart">
              {[...days.entries()].map(([day, d]) => (
                <div key={day} className="chart-row" title={d.providers.join(", ")}>
                  <span>{formatDay(day, ctx.lang)}</span>
                  <Meter label={formatDay(day, ctx.lang)} done={d.total} total={most} text={`$${d.total.toFixed(2)}`} />
                  <span>${d.total.toFixed(2)}</span>
                </div>
              ))}
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** The upload calendar: a month, Monday first, with the episodes that go (or went) out on each local day. */
function UploadCalendar({ ctx, entries }: { ctx: Ctx; entries: CalendarEntry[] }) {
  const { t, lang, timeZone } = ctx;
  const today = localDay(Date.now(), timeZone) ?? "1970-01-01";
  // The month shown: this month at first, or the month of the next episode to go out when that is later.
  const upcoming = entries
    .map((e) => localDay(e.at, timeZone) ?? "")
    .filter((d) => d >= today)
    .sort()[0];
  const start = upcoming && upcoming.slice(0, 7) > today.slice(0, 7) ? upcoming : today;
  const [shift, setShift] = useState(0);
  const wanted = new Date(Date.UTC(Number(start.slice(0, 4)), Number(start.slice(5, 7)) - 1 + shift, 1));
  const base = Number.isNaN(wanted.getTime()) ? new Date() : wanted;
  const year = base.getUTCFullYear();
  const month = base.getUTCMonth() + 1;
  const weeks = calendarMonth(year, month, entries, timeZone);
  const locale = lang === "ko" ? "ko-KR" : "en-GB";
  const title = new Intl.DateTimeFormat(locale, { year: "numeric", month: "long", timeZone: "UTC" }).format(base);
  // 2024-01-01 was a Monday: the weekday names from it on.
  const weekdays = Array.from({ length: 7 }, (_, i) =>
    new Intl.DateTimeFormat(locale, { weekday: "short", timeZone: "UTC" }).format(new Date(Date.UTC(2024, 0, 1 + i))),
  );
  const any = weeks.some((w) => w.some((d) => d && d.entries.length > 0));
  return (
    <>
      <h2>{t("dash.calendar")}</h2>
      <div className="row">
        <button aria-label={t("dash.calendar.prev")} onClick={() => setShift(shift - 1)}>
          ‹
        </button>
        <strong data-testid="calendar-month">{title}</strong>
        <button aria-label={t("dash.calendar.next")} onClick={() => setShift(shift + 1)}>
          ›
        </button>
        {!any && <span className="small">{t("dash.calendar.empty")}</span>}
      </div>
      <table className="calendar" data-testid="calendar">
        <thead>
          <tr>
            {weekdays.map((w) => (
              <th key={w} scope="col">
                {w}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {weeks.map((week, i) => (
            <tr key={i}>
              {week.map((d, j) =>
                d ? (
                  <td key={d.day} className={d.day === today ? "today" : undefined} data-day={d.day}>
                    <span className="day">
                      {Number(d.day.slice(8))}
                      {d.day === today && <span className="visually-hidden"> {t("dash.calendar.today")}</span>}
                    </span>
                    {d.entries.map((e) => (
                      <div key={e.number} className={`cal-entry ${e.kind}`} data-testid={`cal-ep-${e.number}`} data-kind={e.kind} title={t(`dash.calendar.${e.kind}`)}>
                        {t("dash.calendar.entry").replace("{n}", String(e.number)).replace("{title}", e.title)}
                        <span className="small"> · {t(`dash.calendar.${e.kind}`)}</span>
                      </div>
                    ))}
                  </td>
                ) : (
                  <td key={`blank-${j}`} />
                ),
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}

/** "Upload to the channel" for an episode that went to the export folder only; a failed upload says why and what to
 * do next on its own row. */
function UploadNow({ ctx, series, episode, done }: { ctx: Ctx; series: string; episode: number; done: () => void }) {
  const act = useAction();
  return (
    <>
      <button
        data-testid={`dash-upload-${episode}`}
        disabled={act.busy}
        onClick={() => act.run(() => ctx.api.publish({ series, episode })).then((r) => r && done())}
      >
        {ctx.t("dash.upload_now")}
      </button>
      <ErrorBox error={act.error} t={ctx.t} />
    </>
  );
}
