import { useEffect, useState } from "react";
import type { OutlineEdit } from "../bindings/OutlineEdit";
import type { SeriesDetail } from "../bindings/SeriesDetail";
import { phaseLabel } from "../labels";
import { emptyNewSeries, toNewSeries, validateNewSeries, type FieldErrors, type NewSeriesForm } from "../logic";
import { useAction, DetailList, ErrorBox, useSeriesList, type Ctx } from "./common";
import type { Key } from "../i18n";

// 1. Series planner ------------------------------------------------------------------------------------------------

export function Planner({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const [form, setForm] = useState<NewSeriesForm>(emptyNewSeries);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [bump, setBump] = useState(0);
  const list = useSeriesList(ctx, bump);
  const [detail, setDetail] = useState<SeriesDetail | null>(null);
  const [editing, setEditing] = useState<{ n: number; edit: OutlineEdit } | null>(null);
  const act = useAction();

  useEffect(() => {
    if (ctx.series) ctx.api.series_show({ series: ctx.series }).then(setDetail).catch(() => setDetail(null));
  }, [ctx.api, ctx.series, bump]);

  const submit = async (e: React.FormEvent) => {
    e.preventDefault();
    const errs = validateNewSeries(form);
    setErrors(errs);
    if (Object.keys(errs).length > 0) return;
    const r = await act.run(() => ctx.api.series_new(toNewSeries(form)));
    if (r) {
      ctx.setSeries(r.series_id);
      setBump((b) => b + 1);
    }
  };
  const field = (k: keyof NewSeriesForm, input: React.ReactNode) => (
    <label className="field">
      <span>{t(`planner.${k === "duration_min" ? "duration" : k}` as Key)}</span>
      {input}
      {errors[k] && <span className="field-error">{t(errors[k])}</span>}
    </label>
  );
  return (
    <section>
      <h2>{t("planner.new")}</h2>
      <form onSubmit={submit} className="grid-form" noValidate>
        {field("title", <input name="title" value={form.title} onChange={(e) => setForm({ ...form, title: e.target.value })} />)}
        {field(
          "genre",
          <select name="genre" value={form.genre} onChange={(e) => setForm({ ...form, genre: e.target.value as NewSeriesForm["genre"] })}>
            {(["romance", "thriller", "comedy"] as const).map((g) => (
              <option key={g} value={g}>
                {t(`genre.${g}`)}
              </option>
            ))}
          </select>,
        )}
        {field("episodes", <input name="episodes" type="number" value={form.episodes} onChange={(e) => setForm({ ...form, episodes: Number(e.target.value) })} />)}
        {field("duration_min", <input name="duration" type="number" value={form.duration_min} onChange={(e) => setForm({ ...form, duration_min: Number(e.target.value) })} />)}
        {field("premise", <textarea name="premise" value={form.premise} onChange={(e) => setForm({ ...form, premise: e.target.value })} />)}
        {field("audience", <input name="audience" value={form.audience} onChange={(e) => setForm({ ...form, audience: e.target.value })} />)}
        {field(
          "writer",
          <select name="writer" value={form.writer} onChange={(e) => setForm({ ...form, writer: e.target.value as NewSeriesForm["writer"] })}>
            <option value="offline">{t("writer.offline")}</option>
            <option value="openai">{t("writer.openai")}</option>
            <option value="anthropic">{t("writer.anthropic")}</option>
          </select>,
        )}
        <button type="submit" disabled={act.busy}>
          {act.busy ? t("planner.creating") : t("planner.create")}
        </button>
      </form>
      <ErrorBox error={act.error} t={t} />
      <h2>{t("planner.list")}</h2>
      {list.length === 0 ? (
        <p>{t("planner.empty")}</p>
      ) : (
        <table data-testid="series-list">
          <tbody>
            {list.map((s) => (
              <tr key={s.id} className={s.id === ctx.series ? "selected" : ""} onClick={() => ctx.setSeries(s.id)}>
                <td>{s.title}</td>
                <td>{t(`genre.${s.genre}`)}</td>
                <td>
                  {s.characters} {t("casting.characters")}
                </td>
                <td>
                  {s.recorded_episodes}/{s.total_episodes}
                </td>
                <td>{t(`series.${s.status}`)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {detail && (
        <div data-testid="series-detail">
          <h3>{detail.plan.series.title}</h3>
          <p>{detail.plan.series.premise}</p>
          {detail.readiness.length === 0 ? (
            <p className="ok">✓ {t("planner.ready")}</p>
          ) : (
            <DetailList t={t} label={t("planner.problems")} items={detail.readiness} />
          )}
          <h4>{t("planner.outline")}</h4>
          <ol className="outlines" style={{ listStyle: "none", paddingLeft: 0 }}>
            {detail.plan.outlines.map((o) =>
              editing?.n === o.episode_number ? (
                <li key={o.episode_number} data-testid={`outline-edit-${o.episode_number}`}>
                  {(["title", "main_event", "hook", "cliffhanger"] as const).map((k) => (
                    <label key={k} className="field">
                      <span className="small">{t(`planner.${k}` as Key)}</span>
                      <input name={k} value={editing.edit[k]} onChange={(e) => setEditing({ ...editing, edit: { ...editing.edit, [k]: e.target.value } })} />
                    </label>
                  ))}
                  <button
                    data-testid="outline-save"
                    disabled={act.busy}
                    onClick={() =>
                      act.run(() => ctx.api.outline_set({ series: detail.plan.series.id, episode: o.episode_number, edit: editing.edit })).then((d) => {
                        if (d) {
                          setDetail(d);
                          setEditing(null);
                        }
                      })
                    }
                  >
                    {t("planner.save")}
                  </button>
                  <button onClick={() => setEditing(null)}>{t("planner.cancel")}</button>
                </li>
              ) : (
                <li key={o.episode_number}>
                  <strong>
                    {o.episode_number}. {o.title}
                  </strong>{" "}
                  <em>({phaseLabel(t, o.arc_phase)})</em> — {o.main_event}
                  <div className="small">
                    {t("planner.hook")}: {o.hook} · {t("planner.cliffhanger")}: {o.cliffhanger}{" "}
                    {detail.episodes.find((e) => e.number === o.episode_number)?.status === "planned" && (
                      <button
                        className="link"
                        data-testid={`outline-edit-btn-${o.episode_number}`}
                        onClick={() =>
                          setEditing({ n: o.episode_number, edit: { title: o.title, main_event: o.main_event, hook: o.hook, cliffhanger: o.cliffhanger } })
                        }
                      >
                        {t("planner.edit")}
                      </button>
                    )}
                  </div>
                </li>
              ),
            )}
          </ol>
        </div>
      )}
    </section>
  );
}
