import { useEffect, useState } from "react";
import type { EpisodeCard } from "../bindings/EpisodeCard";
import type { NextStep } from "../bindings/NextStep";
import type { SeriesDashboard } from "../bindings/SeriesDashboard";
import type { Key } from "../i18n";
import { episodeLabel, formatDay, formatTime, providerLabel, stageLabel } from "../labels";
import { nextStep as nextStepForCode } from "../logic";
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

export function Dashboard({ ctx, go }: { ctx: Ctx; go: (screen: "script" | "production" | "review") => void }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [dash, setDash] = useState<SeriesDashboard | null>(null);
  const act = useAction();
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
                    {episodeLabel(t, c.status)}
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
                    {c.next === "producing" || c.next === "publishing" || c.next === "done" ? (
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
