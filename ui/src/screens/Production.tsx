import { useEffect, useRef, useState } from "react";
import type { EngineEvent } from "../bindings/EngineEvent";
import type { JobRow } from "../bindings/JobRow";
import type { StatusReport } from "../bindings/StatusReport";
import { alertLabel, episodeLabel, episodeName, formatDuration, formatTime, jobLabel, providerLabel, stageLabel } from "../labels";
import { nextStep, secondsLeft, shownStatus, stageProgress } from "../logic";
import { useAction, AccountList, ErrorBox, SeriesPicker, useSeriesList, EpisodePicker, type Ctx, Meter } from "./common";

// 5. Production ----------------------------------------------------------------------------------------------------

type Progress = Extract<EngineEvent, { type: "render_progress" } | { type: "upload_progress" }>;

/** One live line per running render or upload: its latest count, with the arrival time and count of its first and
 * latest events (for the time left). A count that goes backwards (a rerun) starts the line over; a line ends when its
 * job finishes, whatever the outcome. */
function useLiveProgress(events: EngineEvent[]) {
  const seen = useRef(new Map<string, { e: Progress; first: [number, number]; last: [number, number] }>());
  const [, redraw] = useState(0);
  useEffect(() => {
    const latest = events[events.length - 1];
    if (!latest) return;
    const map = seen.current;
    if (latest.type === "job_finished" && (latest.stage === "render" || latest.stage === "publish")) {
      const kind = latest.stage === "render" ? "render_progress" : "upload_progress";
      map.delete(`${kind}-${latest.series_id}-${latest.episode}`);
    } else if (latest.type === "render_progress" || latest.type === "upload_progress") {
      const key = `${latest.type}-${latest.series_id}-${latest.episode}`;
      const done = latest.type === "render_progress" ? latest.frames_done : latest.bytes_done;
      const now = Date.now();
      const old = map.get(key);
      if (!old || done < old.last[1]) map.set(key, { e: latest, first: [now, done], last: [now, done] });
      else if (done !== old.last[1]) map.set(key, { e: latest, first: old.first, last: [now, done] });
    } else {
      return;
    }
    redraw((x) => x + 1);
  }, [events]);
  return [...seen.current.values()].filter(({ e }) =>
    e.type === "render_progress" ? e.frames_done < e.frames_total : e.bytes_done < e.bytes_total,
  );
}

export function Production({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [status, setStatus] = useState<StatusReport | null>(null);
  const [history, setHistory] = useState<JobRow[]>([]);
  const act = useAction();
  useEffect(() => {
    let live = true;
    const tick = () => {
      ctx.api.status().then((s) => live && setStatus(s)).catch(() => undefined);
      // The stage history comes from the jobs themselves, so it is there again after a reload.
      ctx.api.jobs_recent({ limit: 50 }).then((h) => live && setHistory(h)).catch(() => undefined);
    };
    tick();
    const id = setInterval(tick, 1500);
    return () => {
      live = false;
      clearInterval(id);
    };
  }, [ctx.api]);
  const progress = useLiveProgress(ctx.events);
  const paused = !!ctx.series && !!status?.paused_series.includes(ctx.series);
  const isPaused = (id: string) => !!status?.paused_series.includes(id);
  // Alerts of this session, newest first; the stage history below them; progress has its own lines above.
  const alerts = ctx.events.filter((e) => e.type === "alert").reverse();
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} /> <EpisodePicker ctx={ctx} />
      <button data-testid="produce" disabled={!ctx.series || act.busy} onClick={() => act.run(() => ctx.api.produce({ series: ctx.series as string, episode: ctx.episode }))}>
        {t("production.produce")}
      </button>
      {ctx.series && (
        <button onClick={() => act.run(() => ctx.api.series_pause({ series: ctx.series as string, paused: !paused }))}>{paused ? t("production.resume") : t("production.pause")}</button>
      )}
      {paused && <span className="badge paused" data-testid="paused-badge">{t("common.paused")}</span>}
      <ErrorBox error={act.error} t={t} />
      {status && (
        <>
          <h2>{t("production.queue")}</h2>
          <p data-testid="queue">
            {Object.entries(status.jobs_by_status)
              .map(([k, v]) => `${jobLabel(t, k as keyof typeof status.jobs_by_status)} ${v}`)
              .join(" · ") || t("common.none")}
          </p>
          {progress.length > 0 && (
            <div className="live" data-testid="live-progress">
              {progress.map(({ e, first, last }) => {
                const [done, total] = e.type === "render_progress" ? [e.frames_done, e.frames_total] : [e.bytes_done, e.bytes_total];
                const left = secondsLeft(first, last, total);
                return (
                  <div key={`${e.type}-${e.series_id}-${e.episode}`} className="live-line" data-testid={e.type === "render_progress" ? "render-progress" : "upload-progress"}>
                    <span>
                      {episodeName(t, ctx.seriesTitle(e.series_id), e.episode)} · {e.type === "render_progress" ? t("stage.render") : t("stage.publish")}
                    </span>
                    <Meter
                      label={`${episodeName(t, ctx.seriesTitle(e.series_id), e.episode)} · ${e.type === "render_progress" ? t("stage.render") : t("stage.publish")}`}
                      done={done}
                      total={Math.max(1, total)}
                      text={`${Math.round((100 * done) / Math.max(1, total))}%`}
                    />
                    <span className="small">
                      {Math.round((100 * done) / Math.max(1, total))}%{left !== null && ` · ${t("time.left")} ${formatDuration(t, left, ctx.lang)}`}
                    </span>
                  </div>
                );
              })}
            </div>
          )}
          <h2>{t("production.episodes")}</h2>
          {status.episodes.map((e) => {
            const p = stageProgress(e.stages);
            return (
              <div key={`${e.series_id}-${e.episode}`} className="episode-progress" data-testid={`progress-${e.series_id}-${e.episode}`}>
                <div>
                  {episodeName(t, ctx.seriesTitle(e.series_id), e.episode)}:{" "}
                  <span data-testid="episode-status" data-status={e.status ?? ""}>
                    {episodeLabel(t, e.status && shownStatus(e.status, e.publish_at))}
                  </span>{" "}
                  — <span data-testid="stages-done">{p.done}/{p.total}</span>
                  {p.blocked && <span className="warn"> ({stageLabel(t, p.blocked)})</span>}
                  {isPaused(e.series_id) && <span className="badge paused"> {t("common.paused")}</span>}
                </div>
                <Meter label={`${episodeName(t, ctx.seriesTitle(e.series_id), e.episode)} · ${t("production.episodes")}`} done={p.done} total={Math.max(1, p.total)} text={`${p.done}/${p.total}`} />
                <div className="stages small">
                  {e.stages.map(({ stage, status: st }) => (
                    <span key={stage} className={`stage ${stage === "review_gate" && st === "needs_attention" ? "waiting" : st}`} title={jobLabel(t, st)}>
                      {stageLabel(t, stage)}
                    </span>
                  ))}
                </div>
              </div>
            );
          })}
          <h2>{t("production.cost")}</h2>
          <div className="chart" data-testid="cost-chart">
            {status.cost_today.length === 0 && <span className="small">$0.00</span>}
            {status.cost_today.map(({ provider, usd }) => (
              <div key={provider} className="chart-row">
                <span>{providerLabel(t, provider)}</span>
                <Meter label={providerLabel(t, provider)} done={usd} total={Math.max(status.cost_today_usd, 0.01)} text={`$${usd.toFixed(2)}`} />
                <span>${usd.toFixed(2)}</span>
              </div>
            ))}
          </div>
          {status.accounts.length > 0 && (
            <>
              <h3>{t("account.title")}</h3>
              <AccountList ctx={ctx} accounts={status.accounts} />
            </>
          )}
          <p className="small">
            {t("production.quota")}: {status.youtube.units_used}/{status.youtube.units_limit} {t("production.units")} · {status.youtube.uploads_used}/{status.youtube.uploads_limit}{" "}
            {t("production.uploads")} · {t("production.quota_resets")} {formatTime(status.youtube.resets_at, ctx.lang, ctx.timeZone)}
          </p>
          {status.attention.length > 0 && (
            <>
              <h2>{t("production.attention")}</h2>
              <ul data-testid="attention">
                {status.attention.map((a) => (
                  <li key={a.job_id}>
                    {episodeName(t, ctx.seriesTitle(a.series_id), a.episode)} · {stageLabel(t, a.stage)}: {t(nextStep(a.kind ?? "internal"))}
                    <details className="detail" data-detail>
                      <summary>{t("common.details")}</summary>
                      {a.message}
                    </details>
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
      <h2>{t("production.log")}</h2>
      <ol className="log" data-testid="log">
        {alerts.slice(0, 10).map((e, i) => (
          <li key={`a${i}`} className="tiny">
            {eventLine(ctx, e)}
          </li>
        ))}
        {history.map((j) => (
          <li key={j.id} className="tiny" data-testid="history-line">
            {j.completed_ms !== null && <span className="when">{formatTime(j.completed_ms, ctx.lang, ctx.timeZone)} · </span>}
            {episodeName(t, ctx.seriesTitle(j.series_id), j.episode_number)} · {stageLabel(t, j.stage)}: {jobLabel(t, j.status)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function eventLine(ctx: Ctx, e: EngineEvent): React.ReactNode {
  if (e.type !== "alert") return null;
  return (
    <span className={e.level === "info" ? undefined : "warn"}>
      {e.level === "info" ? "ℹ" : "⚠"} {alertLabel(ctx.t, e.about, ctx.seriesTitle)}
      <details className="detail" data-detail>
        <summary>{ctx.t("common.details")}</summary>
        {e.message}
      </details>
    </span>
  );
}
