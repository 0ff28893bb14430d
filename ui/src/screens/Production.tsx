import { useEffect, useState } from "react";
import type { EngineEvent } from "../bindings/EngineEvent";
import type { StatusReport } from "../bindings/StatusReport";
import { nextStep, stageProgress } from "../logic";
import { useAction, ErrorBox, SeriesPicker, useSeriesList, EpisodePicker, type Ctx } from "./common";

// 5. Production ----------------------------------------------------------------------------------------------------

export function Production({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [status, setStatus] = useState<StatusReport | null>(null);
  const act = useAction();
  useEffect(() => {
    let live = true;
    const tick = () => ctx.api.status().then((s) => live && setStatus(s)).catch(() => undefined);
    tick();
    const id = setInterval(tick, 1500);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, [ctx.api]);
  const render = [...ctx.events].reverse().find((e) => e.type === "render_progress") as
    | { frames_done: number; frames_total: number; series_id: string; episode: number }
    | undefined;
  const paused = !!ctx.series && !!status?.paused_series.includes(ctx.series);
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} /> <EpisodePicker ctx={ctx} />
      <button data-testid="produce" disabled={!ctx.series || act.busy} onClick={() => act.run(() => ctx.api.produce({ series: ctx.series as string, episode: ctx.episode }))}>
        {t("production.produce")}
      </button>
      {ctx.series && (
        <button onClick={() => act.run(() => ctx.api.series_pause({ series: ctx.series as string, paused: !paused }))}>{paused ? t("production.resume") : t("production.pause")}</button>
      )}
      <ErrorBox error={act.error} t={t} />
      {status && (
        <>
          <h2>{t("production.queue")}</h2>
          <p data-testid="queue">
            {Object.entries(status.jobs_by_status)
              .map(([k, v]) => `${k} ${v}`)
              .join(" · ") || t("common.none")}
          </p>
          <h2>{t("production.episodes")}</h2>
          {status.episodes.map((e) => {
            const p = stageProgress(e.stages);
            return (
              <div key={`${e.series_id}-${e.episode}`} className="episode-progress" data-testid={`progress-${e.series_id}-${e.episode}`}>
                <div>
                  {e.series_id} ep{e.episode}: <span data-testid="episode-status">{e.status}</span> — {p.done}/{p.total}
                  {p.blocked && <span className="warn"> ({p.blocked})</span>}
                </div>
                <div className="bar">
                  <div className="fill" style={{ width: `${(100 * p.done) / Math.max(1, p.total)}%` }} />
                </div>
                <div className="stages small">
                  {e.stages.map(({ stage, status: st }) => (
                    <span key={stage} className={`stage ${st}`}>
                      {stage}
                    </span>
                  ))}
                </div>
              </div>
            );
          })}
          {render && render.frames_done < render.frames_total && (
            <p className="small" data-testid="render-progress">
              render {render.series_id} ep{render.episode}: {Math.round((100 * render.frames_done) / render.frames_total)}%
            </p>
          )}
          <h2>{t("production.cost")}</h2>
          <div className="chart" data-testid="cost-chart">
            {status.cost_today.length === 0 && <span className="small">$0.00</span>}
            {status.cost_today.map(({ provider: p, usd: c }) => (
              <div key={p} className="chart-row">
                <span>{p}</span>
                <div className="bar">
                  <div className="fill" style={{ width: `${Math.min(100, (100 * c) / Math.max(status.cost_today_usd, 0.01))}%` }} />
                </div>
                <span>${c.toFixed(2)}</span>
              </div>
            ))}
          </div>
          <p className="small">
            {t("production.quota")}: {status.youtube.units_used}/{status.youtube.units_limit} units · {status.youtube.uploads_used}/{status.youtube.uploads_limit} uploads
          </p>
          {status.attention.length > 0 && (
            <>
              <h2>{t("production.attention")}</h2>
              <ul data-testid="attention">
                {status.attention.map((a) => (
                  <li key={a.job_id}>
                    {a.series_id} ep{a.episode} {a.stage}: {a.message} — {t(nextStep(a.kind ?? "internal"))}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <h2>{t("production.log")}</h2>
      <ol className="log" data-testid="log">
        {ctx.events.slice(-30).map((e, i) => (
          <li key={i} className="tiny">
            {eventLine(e)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function eventLine(e: EngineEvent): string {
  switch (e.type) {
    case "job_finished":
      return `${e.series_id} ep${e.episode} ${e.stage}: ${e.status}`;
    case "alert":
      return `⚠ ${e.message}`;
    case "render_progress":
      return `render ${e.frames_done}/${e.frames_total}`;
    case "upload_progress":
      return `upload ${e.bytes_done}/${e.bytes_total}`;
    default:
      return e.type;
  }
}
