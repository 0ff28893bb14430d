import { useEffect, useState } from "react";
import type { CheckReport } from "../bindings/CheckReport";
import type { DialogueLine } from "../bindings/DialogueLine";
import type { EpisodeScript } from "../bindings/EpisodeScript";
import type { LineEditReport } from "../bindings/LineEditReport";
import { emotionLabel, EMOTIONS, findingLabel, severityLabel, stageLabel } from "../labels";
import { hasWordsToSay } from "../logic";
import { useAction, EditActions, ErrorBox, SeriesPicker, useSeriesList, EpisodePicker, type Ctx } from "./common";

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
    const s = ctx.series;
    ctx.api
      .episode_script({ series: s, episode: ctx.episode })
      .then((sc) => {
        setScript(sc);
        // Checks only for a script that exists (nothing to check otherwise).
        if (sc) ctx.api.episode_check({ series: s, episode: ctx.episode }).then(setReport).catch(() => setReport(null));
        else setReport(null);
      })
      .catch(() => setScript(null));
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(load, [ctx.api, ctx.series, ctx.episode]);
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} /> <EpisodePicker ctx={ctx} />
      {!script && (
      <button data-testid="write-script" disabled={!ctx.series || act.busy} onClick={() => act.run(() => ctx.api.write_episode({ series: ctx.series as string, episode: ctx.episode })).then(load)}>
        {act.busy ? t("script.writing") : t("script.write")}
      </button>
      )}
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
                <LineRow
                  key={l.id}
                  ctx={ctx}
                  line={l}
                  names={names}
                  onSaved={(r) => {
                    setScript(r.script);
                    setReport(r.check);
                  }}
                />
              ))}
            </div>
          ))}
        </div>
      )}
    </section>
  );
}


/** One line of the script: read, or edited in place (speaker, words, emotion); saving checks the script again and
 * says what will be made again (a voiced line is voiced again). */
function LineRow({ ctx, line, names, onSaved }: { ctx: Ctx; line: DialogueLine; names: Map<string, string>; onSaved: (r: LineEditReport) => void }) {
  const { t } = ctx;
  const act = useAction();
  const [editing, setEditing] = useState(false);
  const [speaker, setSpeaker] = useState(line.character);
  const [text, setText] = useState(line.text);
  const [emotion, setEmotion] = useState(line.emotion);
  const [done, setDone] = useState<string | null>(null);
  const open = () => {
    setSpeaker([...names.entries()].find(([id, name]) => id === line.character || name === line.character)?.[0] ?? line.character);
    setText(line.direction ? `(${line.direction}) ${line.text}` : line.text);
    setEmotion(line.emotion);
    setEditing(true);
    setDone(null);
  };
  // A writer's own word (기쁨) is kept as written; a known emotion that reads the same is not listed twice.
  const emotions: string[] = EMOTIONS.includes(emotion as (typeof EMOTIONS)[number])
    ? [...EMOTIONS]
    : [emotion, ...EMOTIONS.filter((x) => emotionLabel(t, x) !== emotion)];
  const problem = text.trim() === "" ? t("line.empty") : !hasWordsToSay(text) ? t("line.nothing_to_speak") : null;
  if (!editing)
    return (
      <p className="line" data-testid={`line-${line.id}`}>
        <strong>{names.get(line.character) ?? line.character}</strong>
        {line.direction && <span className="small direction"> ({line.direction})</span>}: {line.text}{" "}
        <button className="link small" data-testid={`edit-line-${line.id}`} onClick={open} aria-label={`${t("common.edit")}: ${names.get(line.character) ?? line.character}`}>
          {t("common.edit")}
        </button>
        {done && (
          <span className="ok small" role="status">
            {" "}
            {done}
          </span>
        )}
      </p>
    );
  return (
    <div className="line-edit" data-testid={`line-form-${line.id}`}>
      <label className="field">
        <span>{t("line.speaker")}</span>
        <select value={speaker} onChange={(e) => setSpeaker(e.target.value)}>
          {[...names.entries()].map(([id, name]) => (
            <option key={id} value={id}>
              {name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("line.text")}</span>
        <input data-testid={`line-text-${line.id}`} value={text} onChange={(e) => setText(e.target.value)} aria-describedby={`line-help-${line.id}`} />
        <small className="help" id={`line-help-${line.id}`}>
          {t("line.text_help")}
        </small>
      </label>
      <label className="field">
        <span>{t("line.emotion")}</span>
        <select value={emotion} onChange={(e) => setEmotion(e.target.value)}>
          {emotions.map((e) => (
            <option key={e} value={e}>
              {emotionLabel(t, e)}
            </option>
          ))}
        </select>
      </label>
      <EditActions
        t={t}
        problem={problem}
        busy={act.busy}
        testid={`save-line-${line.id}`}
        onCancel={() => setEditing(false)}
        onSave={() =>
          act
            .run(() => ctx.api.line_edit({ series: ctx.series as string, episode: ctx.episode, line: line.id, edit: { character: speaker, text, emotion } }))
            .then((r) => {
              if (!r) return;
              setEditing(false);
              setDone(r.stages_reopened.length > 0 ? `${t("shot.queued")}: ${r.stages_reopened.map((st) => stageLabel(t, st)).join(" → ")}` : t("line.saved"));
              onSaved(r);
            })
        }
      />
      <ErrorBox error={act.error} t={t} />
    </div>
  );
}
