import { useEffect, useState } from "react";
import type { Client as Api } from "./bindings/client";
import type { CastView } from "./bindings/CastView";
import type { CheckReport } from "./bindings/CheckReport";
import type { EngineEvent } from "./bindings/EngineEvent";
import type { EpisodeScript } from "./bindings/EpisodeScript";
import type { MetadataView } from "./bindings/MetadataView";
import type { OutlineEdit } from "./bindings/OutlineEdit";
import type { ReviewItem } from "./bindings/ReviewItem";
import type { SecretStatus } from "./bindings/SecretStatus";
import type { SeriesDetail } from "./bindings/SeriesDetail";
import type { SeriesSummary } from "./bindings/SeriesSummary";
import type { StatusReport } from "./bindings/StatusReport";
import type { StoryboardView } from "./bindings/StoryboardView";
import { costBar, emptyNewSeries, localToUtc, metadataProblems, routeLabel, stageProgress, toNewSeries, utf8Bytes, validateNewSeries, type FieldErrors, type NewSeriesForm } from "./logic";
import { EngineError } from "./transport";

type T = (k: string) => string;

export interface Ctx {
  api: Api;
  t: T;
  series: string | null;
  setSeries: (id: string) => void;
  episode: number;
  setEpisode: (n: number) => void;
  events: EngineEvent[];
  mediaUrl: (path: string) => string;
}

/** Runs an action with a busy flag and shows its error with what to do next. */
function useAction() {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<EngineError | null>(null);
  const run = async <R,>(f: () => Promise<R>): Promise<R | undefined> => {
    setBusy(true);
    setError(null);
    try {
      return await f();
    } catch (e) {
      setError(e instanceof EngineError ? e : new EngineError({ code: "internal", message: String(e) }));
      return undefined;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run };
}

export function ErrorBox({ error, t }: { error: EngineError | null; t: T }) {
  if (!error) return null;
  return (
    <div role="alert" className="error">
      <strong>{error.code}</strong>: {error.message}
      <div className="hint">
        {t("common.error_next")}: {nextStep(error.code)}
      </div>
    </div>
  );
}

function nextStep(code: string): string {
  if (code === "transport") return "aidas serve가 실행 중인지 확인하세요 / check that `aidas serve` is running";
  if (code.includes("series")) return "시리즈를 먼저 선택하거나 기획하세요 / pick or plan a series first";
  if (code === "invalid_input") return "입력값을 고친 뒤 다시 시도하세요 / fix the input and try again";
  return "기록을 확인하고 다시 시도하세요 / see the log, then try again";
}

function SeriesPicker({ ctx, list }: { ctx: Ctx; list: SeriesSummary[] }) {
  return (
    <label>
      {ctx.t("common.series")}{" "}
      <select data-testid="series-picker" value={ctx.series ?? ""} onChange={(e) => ctx.setSeries(e.target.value)}>
        <option value="" disabled>
          —
        </option>
        {list.map((s) => (
          <option key={s.id} value={s.id}>
            {s.title}
          </option>
        ))}
      </select>
    </label>
  );
}

function useSeriesList(ctx: Ctx, bump = 0) {
  const [list, setList] = useState<SeriesSummary[]>([]);
  useEffect(() => {
    ctx.api.series_list().then(setList).catch(() => setList([]));
  }, [ctx.api, bump]);
  return list;
}

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
      <span>{t(`planner.${k === "duration_min" ? "duration" : k}`)}</span>
      {input}
      {errors[k] && <span className="field-error">{t(errors[k] as string)}</span>}
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
            <option value="offline">offline</option>
            <option value="openai">openai</option>
            <option value="anthropic">anthropic</option>
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
                <td>{s.status}</td>
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
            <div className="warn">
              {t("planner.problems")}:
              <ul>
                {detail.readiness.map((r) => (
                  <li key={r}>{r}</li>
                ))}
              </ul>
            </div>
          )}
          <h4>{t("planner.outline")}</h4>
          <ol className="outlines">
            {detail.plan.outlines.map((o) =>
              editing?.n === o.episode_number ? (
                <li key={o.episode_number} data-testid={`outline-edit-${o.episode_number}`}>
                  {(["title", "main_event", "hook", "cliffhanger"] as const).map((k) => (
                    <label key={k} className="field">
                      <span className="small">{t(`planner.${k}`)}</span>
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
                  <em>({o.arc_phase})</em> — {o.main_event}
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

// 2. Characters and casting ----------------------------------------------------------------------------------------

export function Casting({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [detail, setDetail] = useState<SeriesDetail | null>(null);
  const [cast, setCast] = useState<CastView | null>(null);
  const [audio, setAudio] = useState<string | null>(null);
  const act = useAction();
  useEffect(() => {
    if (!ctx.series) return;
    const s = ctx.series;
    ctx.api.series_show({ series: s }).then(setDetail).catch(() => setDetail(null));
    act.run(() => ctx.api.cast_view({ series: s })).then((c) => c && setCast(c));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api, ctx.series]);
  const names = new Map((detail?.plan.characters ?? []).map((c) => [c.id, c.name]));
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} />
      <ErrorBox error={act.error} t={t} />
      {detail && (
        <>
          <h2>{t("casting.characters")}</h2>
          <div className="cards">
            {detail.plan.characters.map((c) => (
              <div key={c.id} className="card">
                <strong>{c.name}</strong> <span className="small">{t(`importance.${c.importance}`)}</span>
                <div className="small">
                  {c.role}
                  {c.age ? ` · ${c.age}` : ""} {c.occupation && `· ${c.occupation}`}
                </div>
                <div className="small">{c.personality.join(", ")}</div>
              </div>
            ))}
          </div>
          <h2>{t("casting.relationships")}</h2>
          <RelationshipGraph detail={detail} />
          <ul className="small">
            {detail.plan.relationships.map((r, i) => (
              <li key={i}>
                {names.get(r.a) ?? r.a} — {names.get(r.b) ?? r.b}: {r.type} ({r.intimacy}/10)
              </li>
            ))}
          </ul>
        </>
      )}
      {cast && (
        <>
          <h2>{t("casting.voices")}</h2>
          <p data-testid="cast-state">{cast.locked ? t("casting.locked") : t("casting.unlocked")}</p>
          <button data-testid="cast-lock" disabled={act.busy} onClick={() => act.run(() => ctx.api.cast_lock({ series: cast.series_id, locked: !cast.locked })).then((c) => c && setCast(c))}>
            {cast.locked ? t("casting.unlock") : t("casting.lock")}
          </button>
          <table>
            <thead>
              <tr>
                <th>{t("casting.characters")}</th>
                <th>{t("casting.primary")}</th>
                <th>{t("casting.fallbacks")}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {cast.rows.map((r) => (
                <tr key={r.character_id}>
                  <td>
                    {r.name} <span className="small">{t(`importance.${r.importance}`)}</span>
                  </td>
                  <td>
                    {r.entry.primary.provider} · {r.entry.primary.voice_name}
                  </td>
                  <td className="small">{r.entry.fallbacks.map((f) => `${f.provider} · ${f.voice_name}`).join(" → ")}</td>
                  <td>
                    <button onClick={() => act.run(() => ctx.api.cast_audition({ series: cast.series_id, character: r.character_id })).then((a) => a && setAudio(ctx.mediaUrl(a.media)))}>
                      {t("casting.audition")}
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {audio && <audio data-testid="audition" controls autoPlay src={audio} />}
        </>
      )}
    </section>
  );
}

/** Characters on a circle, relationships as lines (thicker = closer). */
function RelationshipGraph({ detail }: { detail: SeriesDetail }) {
  const chars = detail.plan.characters;
  const r = 130;
  const pos = new Map(
    chars.map((c, i) => {
      const a = (2 * Math.PI * i) / Math.max(chars.length, 1) - Math.PI / 2;
      return [c.id, { x: 170 + r * Math.cos(a), y: 160 + r * Math.sin(a), name: c.name }];
    }),
  );
  return (
    <svg width={340} height={320} role="img" aria-label="relationship graph" className="graph">
      {detail.plan.relationships.map((rel, i) => {
        const a = pos.get(rel.a);
        const b = pos.get(rel.b);
        if (!a || !b) return null;
        return <line key={i} x1={a.x} y1={a.y} x2={b.x} y2={b.y} strokeWidth={0.5 + rel.intimacy / 3} stroke="#b06" opacity={0.6} />;
      })}
      {[...pos.values()].map((p) => (
        <g key={p.name}>
          <circle cx={p.x} cy={p.y} r={6} fill="#334" />
          <text x={p.x + 8} y={p.y + 4} fontSize={11}>
            {p.name}
          </text>
        </g>
      ))}
    </svg>
  );
}

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
                <li key={i} className={f.severity === "error" ? "warn" : ""}>
                  [{f.severity}] {f.kind} {f.path}: {f.message}
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

function EpisodePicker({ ctx }: { ctx: Ctx }) {
  return (
    <label>
      {ctx.t("common.episode")}{" "}
      <input data-testid="episode-picker" type="number" min={1} value={ctx.episode} onChange={(e) => ctx.setEpisode(Math.max(1, Number(e.target.value) || 1))} style={{ width: 60 }} />
    </label>
  );
}

// 4. Scene priority review -----------------------------------------------------------------------------------------

export function Priority({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [view, setView] = useState<StoryboardView | null>(null);
  const act = useAction();
  useEffect(() => {
    if (!ctx.series) return;
    const s = ctx.series;
    act.run(() => ctx.api.storyboard({ series: s, episode: ctx.episode })).then((v) => setView(v ?? null));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api, ctx.series, ctx.episode]);
  const bar = (label: string, est: number, plan: StoryboardView["plan"], id: string) => {
    const b = costBar(est, plan.budget_usd, plan.hard_cap_usd);
    return (
      <div className="costbar" data-testid={id}>
        <div className="small">
          {label}: <strong data-testid={`${id}-label`}>{b.label}</strong> (cap ${plan.hard_cap_usd.toFixed(2)})
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
      {view && (
        <>
          <h2>{t("priority.budget")}</h2>
          {bar(t("priority.now"), view.plan.estimated_usd, view.plan, "cost-now")}
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
                      #{i} · {t("priority.scene")} {s.scene}
                    </span>
                  </div>
                  <div className="small">{s.visual}</div>
                  <div className="tiny">{s.video_prompt}</div>
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
                  <div className="small">
                    {t("priority.route")}: {routeLabel(now.route)} ({t("priority.if_paid")}: {routeLabel(d.route)}) · {t("priority.estimate")} ${d.estimate_usd.toFixed(3)}
                  </div>
                </div>
              );
            })}
          </div>
        </>
      )}
    </section>
  );
}

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
                  {e.stages.map(([s, st]) => (
                    <span key={s} className={`stage ${st}`}>
                      {s}
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
            {status.cost_today.map(([p, c]) => (
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
                    {a.series_id} ep{a.episode} {a.stage} [{a.kind}] {a.message}
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

// 6. Review before upload ------------------------------------------------------------------------------------------

export function Review({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [reason, setReason] = useState("");
  const [scenes, setScenes] = useState("");
  const [when, setWhen] = useState("");
  const [done, setDone] = useState<string | null>(null);
  const act = useAction();
  const load = () => ctx.api.review_list().then(setItems).catch(() => setItems([]));
  useEffect(() => {
    load();
    const id = setInterval(load, 3000);
    return () => clearInterval(id);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api]);
  if (items === null) return <p>{t("common.loading")}</p>;
  return (
    <section>
      <h2>{t("review.waiting")}</h2>
      <ErrorBox error={act.error} t={t} />
      {done && <p className="ok" data-testid="review-done">{done}</p>}
      {items.length === 0 && <p>{t("review.nothing")}</p>}
      {items.map((it) => (
        <div key={`${it.series_id}-${it.episode}`} className="review" data-testid={`review-${it.series_id}-${it.episode}`}>
          <h3>
            {it.series_title} — {it.episode}. {it.title} <span className="small">({it.status})</span>
          </h3>
          {it.video && <video data-testid="player" controls width={640} src={ctx.mediaUrl(`/media/${it.video}`)} />}
          {it.flags.length > 0 && (
            <div className="warn small">
              {t("review.flags")}:
              <ul>
                {it.flags.map((f) => (
                  <li key={f}>{f}</li>
                ))}
              </ul>
            </div>
          )}
          <MetadataEditor ctx={ctx} series={it.series_id} episode={it.episode} />
          <label className="field">
            <span>{t("review.reason")}</span>
            <input data-testid="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <label className="field">
            <span>{t("review.schedule")}</span>
            <input data-testid="schedule" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
          </label>
          <button
            data-testid="approve"
            disabled={act.busy}
            onClick={() =>
              act.run(() => ctx.api.review_approve({ series: it.series_id, episode: it.episode, reason, publish_at: localToUtc(when) ?? undefined })).then((r) => {
                if (r) setDone(`${it.series_id} ep${it.episode}: ${r.status}${r.publish_at ? ` · ${t("review.scheduled")} ${r.publish_at}` : ""}`);
                load();
              })
            }
          >
            {t("review.approve")}
          </button>
          <button data-testid="reject" disabled={act.busy} onClick={() => act.run(() => ctx.api.review_reject({ series: it.series_id, episode: it.episode, reason })).then(load)}>
            {t("review.reject")}
          </button>
          <label className="field">
            <span>{t("review.scenes")}</span>
            <input value={scenes} onChange={(e) => setScenes(e.target.value)} />
          </label>
          <button
            disabled={act.busy}
            onClick={() =>
              act
                .run(() =>
                  ctx.api.review_regenerate({
                    series: it.series_id,
                    episode: it.episode,
                    scenes: scenes
                      .split(",")
                      .map((s) => Number(s.trim()))
                      .filter((n) => Number.isInteger(n) && n > 0),
                    reason,
                  }),
                )
                .then(load)
            }
          >
            {t("review.regenerate")}
          </button>
          {it.decisions.length > 0 && (
            <div className="small">
              {t("review.decisions")}:{" "}
              {it.decisions.map((d) => `${d.decision} ${d.reason} (${new Date(d.at_ms).toLocaleString()})`).join(" · ")}
            </div>
          )}
        </div>
      ))}
    </section>
  );
}

/** Title, description (with its UTF-8 byte count) and tags, checked as you type; the thumbnail and its shot. */
function MetadataEditor({ ctx, series, episode }: { ctx: Ctx; series: string; episode: number }) {
  const { t } = ctx;
  const [view, setView] = useState<MetadataView | null>(null);
  const [title, setTitle] = useState("");
  const [description, setDescription] = useState("");
  const [tags, setTags] = useState("");
  const [saved, setSaved] = useState(false);
  const act = useAction();
  const take = (v: MetadataView) => {
    setView(v);
    setTitle(v.title);
    setDescription(v.description);
    setTags(v.tags.join(", "));
  };
  useEffect(() => {
    ctx.api.metadata_get({ series, episode }).then(take).catch(() => setView(null));
  }, [ctx.api, series, episode]);
  if (!view) return null;
  const tagList = tags
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const problems = metadataProblems(title, description, tagList);
  return (
    <details className="metadata" data-testid="metadata-editor">
      <summary>{t("review.metadata")}</summary>
      <label className="field">
        <span>
          {t("review.meta_title")} ({[...title].length}/100)
        </span>
        <input data-testid="meta-title" value={title} onChange={(e) => setTitle(e.target.value)} />
      </label>
      <label className="field">
        <span>
          {t("review.meta_description")} ({utf8Bytes(description)}/5000 bytes)
        </span>
        <textarea rows={6} value={description} onChange={(e) => setDescription(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("review.meta_tags")}</span>
        <input value={tags} onChange={(e) => setTags(e.target.value)} />
      </label>
      {problems.length > 0 && (
        <ul className="warn small" data-testid="meta-problems">
          {problems.map((p) => (
            <li key={p}>{p}</li>
          ))}
        </ul>
      )}
      <button
        data-testid="meta-save"
        disabled={act.busy || problems.length > 0}
        onClick={() =>
          act.run(() => ctx.api.metadata_set({ series, episode, edit: { title, description, tags: tagList, thumbnail_shot: null } })).then((v) => {
            if (v) {
              take(v);
              setSaved(true);
            }
          })
        }
      >
        {t("review.meta_save")}
      </button>
      {saved && <span className="ok small">✓</span>}
      <ErrorBox error={act.error} t={t} />
      <div className="thumbs">
        {view.thumbnail && <img className="thumbnail" alt="thumbnail" src={ctx.mediaUrl(`${view.thumbnail}?v=${Date.now()}`)} />}
        <div className="small">{t("review.pick_thumbnail")}</div>
        <div className="still-row">
          {view.stills.map((s, i) =>
            s ? (
              <img
                key={i}
                alt={`shot ${i}`}
                src={ctx.mediaUrl(s)}
                onClick={() =>
                  act.run(() => ctx.api.metadata_set({ series, episode, edit: { title: null, description: null, tags: null, thumbnail_shot: i } })).then((v) => v && take(v))
                }
              />
            ) : null,
          )}
        </div>
      </div>
    </details>
  );
}

// 7. Settings ------------------------------------------------------------------------------------------------------

export function Settings({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const [keys, setKeys] = useState<SecretStatus[]>([]);
  const [settings, setSettings] = useState<Record<string, unknown> | null>(null);
  const [channels, setChannels] = useState<{ id: string; name: string; state: string }[]>([]);
  const [provider, setProvider] = useState("fal");
  const [imported, setImported] = useState<string | null>(null);
  const [value, setValue] = useState("");
  const act = useAction();
  const load = () => {
    ctx.api.secrets_status().then(setKeys).catch(() => setKeys([]));
    ctx.api.settings_get().then((v) => setSettings(v as unknown as Record<string, unknown>)).catch(() => setSettings(null));
    ctx.api.channels_list().then(setChannels).catch(() => setChannels([]));
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(load, [ctx.api]);
  const prod = (settings?.production ?? {}) as Record<string, unknown>;
  const vis = (settings?.visuals ?? {}) as Record<string, unknown>;
  const yt = (settings?.youtube ?? {}) as Record<string, unknown>;
  return (
    <section>
      <h2>{t("settings.keys")}</h2>
      <table data-testid="keys">
        <tbody>
          {keys.map((k) => (
            <tr key={k.provider}>
              <td>{k.provider}</td>
              <td>{k.configured ? `✓ ${t("settings.configured")} (${k.source})` : t("settings.missing")}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.run(() => ctx.api.secret_set({ provider, value })).then(() => {
            setValue("");
            load();
          });
        }}
      >
        <select value={provider} onChange={(e) => setProvider(e.target.value)}>
          {keys.map((k) => (
            <option key={k.provider}>{k.provider}</option>
          ))}
        </select>
        <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" disabled={!value}>
          {t("settings.save")}
        </button>
      </form>
      <ErrorBox error={act.error} t={t} />
      <h2>{t("settings.budgets")}</h2>
      <SettingsForm
        ctx={ctx}
        fields={[
          ["visuals.budget_per_episode_usd", vis.budget_per_episode_usd, "number"],
          ["visuals.hard_cap_usd", vis.hard_cap_usd, "number"],
          ["production.daily_cap_usd", prod.daily_cap_usd, "number"],
          ["visuals.video_model", vis.video_model, "text"],
          ["visuals.still_model", vis.still_model, "text"],
        ]}
        onSaved={load}
      />
      <h2>{t("settings.plan")}</h2>
      <SettingsForm
        ctx={ctx}
        fields={[
          ["production.episodes_per_day", prod.episodes_per_day, "number"],
          ["production.review", prod.review, "text"],
          ["production.work_window", prod.work_window, "text"],
          ["production.time_zone", prod.time_zone, "text"],
          ["youtube.publish_times", (yt.publish_times as string[] | undefined)?.join(", "), "list"],
          ["youtube.publish_per_day", yt.publish_per_day, "number"],
          ["youtube.daily_units", yt.daily_units, "number"],
          ["youtube.uploads_per_day", yt.uploads_per_day, "number"],
        ]}
        onSaved={load}
      />
      <h2>{t("settings.import")}</h2>
      <input
        type="file"
        accept=".json,application/json"
        data-testid="import-file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          const r = await act.run(async () => ctx.api.settings_import({ file_name: f.name, content: await f.text() }));
          if (r) setImported(JSON.stringify(r).slice(0, 300));
        }}
      />
      {imported && <p className="ok small">✓ {imported}</p>}
      {settings?.restart_needed === true && <p className="warn" data-testid="restart-needed">{t("settings.saved")}</p>}
      <p className="small">data: {String(settings?.data_dir ?? "")} — config.toml</p>
      <h2>{t("settings.channels")}</h2>
      <button
        onClick={() =>
          act.run(() => ctx.api.channel_connect()).then((r) => {
            if (r) window.open(r.url, "_blank", "noopener");
          })
        }
      >
        {t("settings.connect")}
      </button>
      <ul>
        {channels.length === 0 && <li className="small">{t("common.none")}</li>}
        {channels.map((c) => (
          <li key={c.id}>
            {c.name} ({c.id}) — {c.state}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A few settings edited in place; saved to config.toml (validated as a whole by the engine). */
function SettingsForm({
  ctx,
  fields,
  onSaved,
}: {
  ctx: Ctx;
  fields: [string, unknown, "number" | "text" | "list"][];
  onSaved: () => void;
}) {
  const [values, setValues] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const act = useAction();
  const current = (k: string, v: unknown) => values[k] ?? (v === undefined || v === null ? "" : String(v));
  return (
    <form
      className="grid-form"
      onSubmit={(e) => {
        e.preventDefault();
        const changes: Record<string, unknown> = {};
        for (const [k, , kind] of fields) {
          if (!(k in values)) continue;
          const raw = values[k];
          changes[k] =
            kind === "number"
              ? Number(raw)
              : kind === "list"
                ? raw
                    .split(",")
                    .map((s) => s.trim())
                    .filter(Boolean)
                : raw;
        }
        act.run(() => ctx.api.settings_set({ changes })).then((r) => {
          if (r) {
            setNote(`${ctx.t("settings.saved")} (${r.changed.join(", ") || "—"})`);
            setValues({});
            onSaved();
          }
        });
      }}
    >
      {fields.map(([k, v, kind]) => (
        <label key={k} className="field">
          <span className="small">{k}</span>
          <input
            type={kind === "number" ? "number" : "text"}
            step="any"
            value={current(k, v)}
            onChange={(e) => setValues({ ...values, [k]: e.target.value })}
          />
        </label>
      ))}
      <button type="submit" disabled={act.busy || Object.keys(values).length === 0}>
        {ctx.t("settings.apply")}
      </button>
      {note && <span className="ok small">{note}</span>}
      <ErrorBox error={act.error} t={ctx.t} />
    </form>
  );
}
