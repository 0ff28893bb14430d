import { useEffect, useState } from "react";
import type { CheckReport } from "../bindings/CheckReport";
import type { EpisodeScript } from "../bindings/EpisodeScript";
import { findingLabel, severityLabel } from "../labels";
import { useAction, ErrorBox, SeriesPicker, useSeriesList, EpisodePicker, type Ctx } from "./common";

// 3. Episode script ------------------------------------------------------------------------------------------------

export function Script({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [script, setScript] = useState<EpisodeScript | null>(null);
  const [report, setReport] = useState<CheckReport | null>(null);
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const act = useAction();
  const load = () => {
    if (!ctx.series) return;
    ctx.api
      .series_show({ series: ctx.series })
      .then((d) => setNames(new Map(d.plan.characters.map((c) => [c.id, c.name]))))
      .catch(() => undefined);
    ctx.api.episode_script({ series: ctx.series, episode: ctx.episode }).then(setScript).catch(() => setScript(null));
    ctx.api.episode_check({ series: ctx.series, episode: ctx.episode }).then(setReport).catch(() => setReport(null));
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(load, [ctx.api, ctx.series, ctx.episode]);
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} /> <EpisodePicker ctx={ctx} />
      <button data-testid="write-script" disabled={!ctx.series || act.busy} onClick={() => act.run(() => ctx.api.write_episode({ series: ctx.series as string, episode: ctx.episode })).then(load)}>
        {act.busy ? t("script.writing") : t("script.write")}
      </button>
      {script && (
        <button
          data-testid="rewrite-script"
          disabled={act.busy}
          onClick={() => {
            if (window.confirm(t("script.rewrite_confirm"))) act.run(() => ctx.api.episode_rewrite({ series: ctx.series as string, episode: ctx.episode })).then(load);
          }}
        >
          {t("script.rewrite")}
        </button>
      )}
      <ErrorBox error={act.error} t={t} />
      {report && (
        <div className="report" data-testid="check-report">
          <h3>
            {t("script.report")}: {report.passed ? `✓ ${t("script.passed")}` : `✗ ${t("script.failed")}`}
          </h3>
          <p className="small">
            {t("script.quality")} {report.quality.overall.toFixed(2)} ({t("script.naturalness")}{" "}
            {report.quality.naturalness.toFixed(2)}, {t("script.pacing")} {report.quality.pacing.toFixed(2)},{" "}
            {t("script.coverage")} {report.quality.coverage.toFixed(2)}, {t("script.variety")}{" "}
            {report.quality.variety.toFixed(2)})
          </p>
          {report.findings.length === 0 ? (
            <p className="ok small">{t("script.no_findings")}</p>
          ) : (
            <ul className="small">
              {report.findings.map((f, i) => (
                <li key={i} className={f.severity === "error" ? "warn" : ""} data-kind={f.kind}>
                  [{severityLabel(t, f.severity)}] {findingLabel(t, f.kind)}
                  <details className="detail" data-detail>
                    <summary>{t("common.details")}</summary>
                    {f.path}: {f.message}
                  </details>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
      {!script ? (
        <p>{t("script.none")}</p>
      ) : (
        <div data-testid="script">
          <h2>{script.title}</h2>
          {script.scenes.map((s) => (
            <div key={s.number} className="scene">
              <h4>
                #{s.number} {s.location}
              </h4>
              {s.lines.map((l) => (
                <p key={l.id}>
                  <strong>{names.get(l.character) ?? l.character}</strong>: {l.text}
                </p>
              ))}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}

