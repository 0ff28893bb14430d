import { useEffect, useState } from "react";
import type { StoryboardView } from "../bindings/StoryboardView";
import { formatDuration, routeWhyLabel } from "../labels";
import { costBar, routeLabel } from "../logic";
import { useAction, ErrorBox, SeriesPicker, useSeriesList, EpisodePicker, type Ctx } from "./common";

// 4. Scene priority review -----------------------------------------------------------------------------------------

export function Priority({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [view, setView] = useState<StoryboardView | null>(null);
  // An episode without a script has no shots yet: say so and where to write it, rather than an error.
  const [noScript, setNoScript] = useState(false);
  const act = useAction();
  useEffect(() => {
    if (!ctx.series) return;
    const s = ctx.series;
    setView(null);
    ctx.api
      .episode_script({ series: s, episode: ctx.episode })
      .then((script) => {
        setNoScript(script === null);
        if (script !== null) act.run(() => ctx.api.storyboard({ series: s, episode: ctx.episode })).then((v) => setView(v ?? null));
      })
      .catch(() => act.run(() => ctx.api.storyboard({ series: s, episode: ctx.episode })).then((v) => setView(v ?? null)));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api, ctx.series, ctx.episode]);
  const bar = (label: string, est: number, plan: StoryboardView["plan"], id: string) => {
    const b = costBar(est, plan.budget_usd, plan.hard_cap_usd);
    return (
      <div className="costbar" data-testid={id}>
        <div className="small">
          {label}: <strong data-testid={`${id}-label`}>{b.label}</strong> ({t("priority.cap")} ${plan.hard_cap_usd.toFixed(2)})
        </div>
        <div className="bar">
          <div className={`fill ${b.overBudget ? "over" : ""}`} style={{ width: `${b.estimateShare * 100}%` }} />
          <div className="budget" style={{ left: `${b.budgetShare * 100}%` }} />
        </div>
        {b.overBudget && <div className="warn small">{t("priority.over_budget")}</div>}
      </div>
    );
  };
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} /> <EpisodePicker ctx={ctx} />
      <ErrorBox error={act.error} t={t} />
      {noScript && (
        <p className="hint" data-testid="no-script">
          {t("priority.no_script")} <a href="#/script">{t("nav.script")}</a>
        </p>
      )}
      {view && (
        <>
          <h2>{t("priority.budget")}</h2>
          {bar(t("priority.now"), view.plan.estimated_usd, view.plan, "cost-now")}
          {view.plan.decisions.every((d) => d.route.kind === "offline_still") && view.if_paid.estimated_usd > 0 && (
            <p className="small hint" data-testid="offline-now">
              {t("priority.offline_now")}
            </p>
          )}
          {bar(t("priority.if_paid"), view.if_paid.estimated_usd, view.if_paid, "cost-paid")}
          <div className="shots" data-testid="shots">
            {view.shots.map((s, i) => {
              const d = view.if_paid.decisions[i];
              const now = view.plan.decisions[i];
              return (
                <div key={i} className={`shot ${s.clip_priority}`} data-testid={`shot-${i}`}>
                  <div className="thumb">
                    <img
                      alt=""
                      src={ctx.mediaUrl(`/media/series/${ctx.series}/ep${String(ctx.episode).padStart(3, "0")}/visuals/shot${String(i).padStart(3, "0")}.png`)}
                      onError={(e) => ((e.target as HTMLImageElement).style.display = "none")}
                    />
                    <span>
                      #{i + 1} · {t("priority.scene")} {s.scene}
                    </span>
                  </div>
                  <div className="small">{s.visual}</div>
                  <div className="tiny" lang="en">
                    {s.video_prompt}
                  </div>
                  <button
                    data-testid={`flip-${i}`}
                    disabled={act.busy}
                    onClick={() =>
                      act
                        .run(() => ctx.api.set_shot_priority({ series: ctx.series as string, episode: ctx.episode, shot: i, priority: s.clip_priority === "high" ? "low" : "high" }))
                        .then((v) => v && setView(v))
                    }
                  >
                    {s.clip_priority === "high" ? t("priority.high") : t("priority.low")}
                  </button>
                  <div className="small" data-testid={`route-${i}`}>
                    {t("priority.length")} {formatDuration(t, now.duration_sec, ctx.lang)} · {t("priority.route")}: {t(`route.${routeLabel(now.route)}`)} ({routeWhyLabel(t, now.why, now.still)})
                  </div>
                  <div className="small">
                    {t("priority.if_paid")}: {t(`route.${routeLabel(d.route)}`)} ({routeWhyLabel(t, d.why, d.still)}) · {t("priority.estimate")} ${d.estimate_usd.toFixed(3)}
                  </div>
                  {s.clip_priority === "high" && (now.why?.kind === "video_over_limit" || d.why?.kind === "video_over_limit") && (
                    <div className="warn small" data-testid={`downgraded-${i}`}>
                      ⚠ {t("priority.downgraded")}
                    </div>
                  )}
                </div>
              );
            })}
          </div>
        </>
      )}
    </section>
  );
}
