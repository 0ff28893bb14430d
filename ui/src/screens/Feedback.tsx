import { useEffect, useState } from "react";
import type { ChangeReason } from "../bindings/ChangeReason";
import type { EpisodeFeedback } from "../bindings/EpisodeFeedback";
import type { FeedbackView } from "../bindings/FeedbackView";
import type { OutlineChangeView } from "../bindings/OutlineChangeView";
import type { RetentionMap } from "../bindings/RetentionMap";
import type { SkipReason } from "../bindings/SkipReason";
import type { Theme } from "../bindings/Theme";
import type { Key } from "../i18n";
import { formatTime, providerLabel } from "../labels";
import { ErrorBox, Meter, SeriesPicker, useAction, useSeriesList, type Ctx, type T } from "./common";

// 8. What viewers think: numbers per episode, sentiment, characters, retention by scene, outline proposals --------

const fill = (s: string, vars: Record<string, string | number>) =>
  Object.entries(vars).reduce((acc, [k, v]) => acc.split(`{${k}}`).join(String(v)), s);

function skipLabel(ctx: Ctx, s: SkipReason): string {
  const { t } = ctx;
  switch (s.kind) {
    case "not_public_yet":
      return s.public_at_ms
        ? fill(t("fb.skip.not_public_at"), { at: formatTime(s.public_at_ms, ctx.lang, ctx.timeZone) })
        : t("fb.skip.not_public");
    case "refused":
      return t("fb.skip.refused");
    case "unanswered":
      return t("fb.skip.unanswered");
    default:
      return t(`fb.skip.${s.kind}` as Key);
  }
}

export function reasonLabel(t: T, r: ChangeReason): string {
  const eps = r.episodes.join(", ");
  const v = { subject: r.subject, count: r.count, of: r.of, percent: r.percent, episodes: eps };
  if (r.kind === "pacing") {
    const parts = [];
    if (r.count >= 2) parts.push(fill(t("fb.reason.pacing_comments"), v));
    if (r.percent > 0) parts.push(fill(t("fb.reason.pacing_leave"), v));
    return parts.join(" · ");
  }
  const known = ["focus_more", "focus_less", "opening", "emphasis", "tone_release", "tone_humour"];
  return known.includes(r.kind) ? fill(t(`fb.reason.${r.kind}` as Key), v) : r.text;
}

const FIELDS: Record<string, Key> = {
  character_focus: "fb.field.character_focus",
  sub_events: "fb.field.sub_events",
  target_emotions: "fb.field.target_emotions",
};

function Themes({ t, title, list, testid }: { t: T; title: string; list: Theme[]; testid: string }) {
  if (list.length === 0) return null;
  return (
    <div data-testid={testid}>
      <h4>{title}</h4>
      <ul>
        {list.slice(0, 5).map((th) => (
          <li key={th.phrase}>
            <strong>{th.phrase}</strong> <span className="small">{fill(t("fb.comments_n"), { n: th.comments })}</span>
            {th.examples.slice(0, 2).map((ex, i) => (
              <div key={i} className="small quote">“{ex}”</div>
            ))}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** The retention curve with the scenes marked; the scene most viewers leave in is shaded. */
function RetentionChart({ t, m }: { t: T; m: RetentionMap }) {
  const W = 720, H = 200, pad = 34;
  const x = (sec: number) => pad + (sec / m.video_sec) * (W - 2 * pad);
  const top = Math.max(1, ...m.curve.map((c) => c[1]));
  const y = (r: number) => H - pad - (r / top) * (H - 2 * pad);
  const path = m.curve.map(([s, r], i) => `${i === 0 ? "M" : "L"}${x(s).toFixed(1)},${y(r).toFixed(1)}`).join(" ");
  const worst = m.leaves[0];
  return (
    <svg viewBox={`0 0 ${W} ${H}`} className="graph retention" role="img" aria-label={t("fb.retention")} data-testid="retention-chart">
      {m.parts.map((p, i) => {
        const label = p.kind === "scene" ? fill(t("fb.scene_n"), { n: p.scene ?? 0 }) : t(p.kind === "intro" ? "fb.intro" : "fb.outro");
        return (
          <g key={i}>
            {p.scene === worst && p.kind === "scene" && (
              <rect x={x(p.start_sec)} y={pad} width={x(p.end_sec) - x(p.start_sec)} height={H - 2 * pad} className="leave" />
            )}
            <line x1={x(p.start_sec)} x2={x(p.start_sec)} y1={pad} y2={H - pad} className="marker" />
            <text x={x(p.start_sec) + 3} y={pad - 6} className="edge-label">{label}</text>
          </g>
        );
      })}
      {[0, 0.5, 1].map((f) => (
        <g key={f}>
          <line x1={pad} x2={W - pad} y1={y(f * top)} y2={y(f * top)} className="grid" />
          <text x={2} y={y(f * top) + 4} className="edge-label">{Math.round(f * top * 100)}%</text>
        </g>
      ))}
      <path d={path} className="curve" fill="none" />
      <text x={pad} y={H - 6} className="edge-label">0:00</text>
      <text x={W - pad - 30} y={H - 6} className="edge-label">
        {Math.floor(m.video_sec / 60)}:{String(Math.round(m.video_sec % 60)).padStart(2, "0")}
      </text>
    </svg>
  );
}

function EpisodeDetail({ ctx, e }: { ctx: Ctx; e: EpisodeFeedback }) {
  const { t } = ctx;
  const r = e.report;
  if (!r) return <p className="small">{t("fb.not_read")}</p>;
  const who = r.offline ? t("fb.read_offline") : fill(t("fb.read_by"), { writer: providerLabel(t, r.analyser.split(":")[0]) });
  const m = r.retention;
  return (
    <div data-testid="episode-feedback">
      <p>
        {fill(t("fb.read_summary"), { n: r.comments, viewers: r.viewers, pos: r.sentiment.positive, neu: r.sentiment.neutral, neg: r.sentiment.negative })}{" "}
        <span className="badge">{who}</span>
      </p>
      {m ? (
        <>
          <h4>{t("fb.retention")}</h4>
          <RetentionChart t={t} m={m} />
          {m.leaves.length > 0 && (
            <p data-testid="leaves">
              {fill(t("fb.leaves"), {
                scene: m.leaves[0],
                place: m.parts.find((p) => p.scene === m.leaves[0])?.location ?? "",
                percent: Math.round((m.parts.find((p) => p.scene === m.leaves[0])?.lost ?? 0) * 100),
              })}
            </p>
          )}
        </>
      ) : (
        <p className="small">{t("fb.no_retention")}</p>
      )}
      <div className="cards">
        <Themes t={t} title={t("fb.loved")} list={r.loved} testid="loved" />
        <Themes t={t} title={t("fb.disliked")} list={r.disliked} testid="disliked" />
        <Themes t={t} title={t("fb.suggestions")} list={r.suggestions} testid="suggestions" />
      </div>
      {r.notes.length > 0 && (
        <details className="detail" data-detail>
          <summary>{t("common.details")}</summary>
          <ul>{r.notes.map((n, i) => <li key={i}>{n}</li>)}</ul>
        </details>
      )}
    </div>
  );
}

function ChangeCard({ ctx, c, busy, decide }: { ctx: Ctx; c: OutlineChangeView; busy: boolean; decide: (c: OutlineChangeView, d: "accept" | "reject" | "roll_back") => void }) {
  const { t } = ctx;
  return (
    <div className="review" data-testid={`change-${c.id}`} data-state={c.state}>
      <strong>{fill(t("fb.change_title"), { n: c.episode, title: c.episode_title })}</strong>{" "}
      <span className="badge">{t(`fb.state.${c.state}` as Key)}{c.decided_by === "unattended" ? ` · ${t("fb.state.unattended")}` : ""}</span>
      <ul>
        {c.reasons.map((r, i) => (
          <li key={i}>{reasonLabel(t, r)}</li>
        ))}
      </ul>
      {c.changes.map((f) => (
        <div key={f.field}>
          <span className="small">{t(FIELDS[f.field] ?? "fb.field.sub_events")}</span>
          {f.after.filter((a) => !f.before.includes(a)).map((a) => <div key={`+${a}`} className="ok">+ {a}</div>)}
          {f.before.filter((b) => !f.after.includes(b)).map((b) => <div key={`-${b}`} className="warn">− {b}</div>)}
        </div>
      ))}
      {c.state === "pending" && <p className="small">{fill(t("fb.accept_note"), { n: c.episode })}</p>}
      <div className="row">
        {c.state === "pending" && (
          <>
            <button disabled={busy} onClick={() => decide(c, "accept")} data-testid={`accept-${c.id}`}>{t("fb.accept")}</button>
            <button disabled={busy} onClick={() => decide(c, "reject")}>{t("fb.reject")}</button>
          </>
        )}
        {c.state === "accepted" && (
          <button disabled={busy} onClick={() => decide(c, "roll_back")} data-testid={`rollback-${c.id}`}>{t("fb.roll_back")}</button>
        )}
        {c.decided_ms && <span className="small">{formatTime(c.decided_ms, ctx.lang, ctx.timeZone)}</span>}
      </div>
    </div>
  );
}

function Aliases({ ctx, view, onSaved }: { ctx: Ctx; view: FeedbackView; onSaved: () => void }) {
  const { t } = ctx;
  const act = useAction();
  const [text, setText] = useState<Record<string, string>>({});
  const [saved, setSaved] = useState("");
  const save = (id: string, name: string) =>
    act
      .run(() =>
        ctx.api.character_aliases_set({
          series: view.series_id,
          character: id,
          aliases: (text[id] ?? "").split(",").map((a) => a.trim()).filter(Boolean),
        }),
      )
      .then((r) => {
        if (!r) return;
        setSaved(fill(t("fb.aliases_saved"), { name }));
        onSaved();
      });
  return (
    <details data-testid="fb-aliases">
      <summary>{t("fb.aliases")}</summary>
      <p className="small">{t("fb.aliases_help")}</p>
      <ErrorBox error={act.error} t={t} />
      {view.aliases.map((c) => (
        <div key={c.id} className="row">
          <label>
            {c.name}{" "}
            <input
              data-testid={`alias-${c.id}`}
              value={text[c.id] ?? c.aliases.join(", ")}
              placeholder={t("fb.aliases_placeholder")}
              onChange={(e) => setText((x) => ({ ...x, [c.id]: e.target.value }))}
            />
          </label>
          <button disabled={act.busy} onClick={() => save(c.id, c.name)} data-testid={`alias-save-${c.id}`}>
            {t("common.save")}
          </button>
          {c.configured.length > 0 && <span className="small">{fill(t("fb.aliases_configured"), { names: c.configured.join(", ") })}</span>}
        </div>
      ))}
      {saved && <p role="status" className="small" data-testid="alias-note">{saved}</p>}
    </details>
  );
}

export function Feedback({ ctx, go }: { ctx: Ctx; go: (screen: "settings") => void }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [view, setView] = useState<FeedbackView | null>(null);
  const [shown, setShown] = useState<number | null>(null);
  const [note, setNote] = useState("");
  const act = useAction();
  const loader = useAction();
  const load = (s: string) =>
    loader.run(() => ctx.api.feedback_show({ series: s })).then((v) => {
      if (!v) return;
      setView(v);
      setShown((n) => n ?? v.episodes.find((e) => e.report)?.episode ?? v.episodes[0]?.episode ?? null);
    });
  useEffect(() => {
    setView(null);
    setShown(null);
    setNote("");
    if (ctx.series) load(ctx.series);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api, ctx.series]);
  const s = ctx.series as string;
  const collect = () =>
    act.run(() => ctx.api.feedback_collect({ series: s })).then((r) => {
      if (!r) return;
      const fresh = r.episodes.reduce((a, e) => a + e.new_comments, 0);
      setNote(fill(t("fb.collected"), { n: fresh, units: r.units }));
      load(s);
    });
  const propose = () =>
    act.run(() => ctx.api.feedback_propose({ series: s })).then((r) => {
      if (!r) return;
      setNote(r.length === 0 ? t("fb.no_changes") : fill(t("fb.proposed"), { n: r.length }));
      load(s);
    });
  const decide = (c: OutlineChangeView, decision: "accept" | "reject" | "roll_back") =>
    act.run(() => ctx.api.outline_change_decide({ series: s, change: Number(c.id), decision })).then((r) => r && load(s));
  const most = Math.max(1, ...(view?.episodes ?? []).map((e) => e.views ?? 0));
  const mostMentions = Math.max(1, ...(view?.characters ?? []).map((c) => c.comments));
  const ep = view?.episodes.find((e) => e.episode === shown);
  const pending = view?.changes.filter((c) => c.state === "pending") ?? [];
  const decided = view?.changes.filter((c) => c.state !== "pending").slice(0, 6) ?? [];
  return (
    <section>
      <SeriesPicker ctx={ctx} list={list} />
      <ErrorBox error={act.error ?? loader.error} t={t} />
      {!ctx.series && <p>{t("dash.pick")}</p>}
      {view && (
        <>
          <h2>{fill(t("fb.title"), { title: view.title })}</h2>
          <div className="row">
            <button disabled={act.busy || view.episodes.length === 0} onClick={collect} data-testid="fb-collect">{t("fb.collect")}</button>
            <button disabled={act.busy || !view.episodes.some((e) => e.report)} onClick={propose} data-testid="fb-propose">{t("fb.propose")}</button>
            {note && <span role="status" className="small" data-testid="fb-note">{note}</span>}
          </div>
          <p className="small" data-testid="fb-status">
            {view.last_collected_ms
              ? fill(t("fb.last_collected"), { at: formatTime(view.last_collected_ms, ctx.lang, ctx.timeZone) })
              : t("fb.never_collected")}{" "}
            · {fill(t("fb.units"), { used: view.units_today, of: view.units_per_day })}
          </p>
          <p className="small" data-testid="fb-auto">
            {view.every_hours === 0
              ? t("fb.auto_never")
              : fill(t(view.auto_apply ? "fb.auto_on" : "fb.auto_off"), { hours: view.every_hours })}
          </p>
          {view.waiting_until_ms && (
            <p className="warn" role="status">{fill(t("fb.waiting"), { at: formatTime(view.waiting_until_ms, ctx.lang, ctx.timeZone) })}</p>
          )}
          {view.analytics === "not_granted" && (
            <p className="warn">
              {t("fb.analytics_not_granted")} <button onClick={() => go("settings")}>{t("fb.reconnect")}</button>
            </p>
          )}
          {view.analytics === "quota" && <p className="warn">{t("fb.analytics_quota")}</p>}
          {view.episodes.length === 0 ? (
            <p>{t("fb.none_published")}</p>
          ) : (
            <>
              <table data-testid="fb-episodes">
                <thead>
                  <tr>
                    <th>{t("fb.col.episode")}</th>
                    <th>{t("fb.col.views")}</th>
                    <th>{t("fb.col.watch")}</th>
                    <th>{t("fb.col.avg")}</th>
                    <th>{t("fb.col.subs")}</th>
                    <th>{t("fb.col.comments")}</th>
                    <th>{t("fb.col.sentiment")}</th>
                  </tr>
                </thead>
                <tbody>
                  {view.episodes.map((e) => {
                    const s = e.report?.sentiment;
                    const n = s ? s.positive + s.neutral + s.negative : 0;
                    return (
                      <tr key={e.episode} className={e.episode === shown ? "selected" : undefined} onClick={() => setShown(e.episode)} data-testid={`fb-ep-${e.episode}`}>
                        <td>
                          <button className="link" onClick={() => setShown(e.episode)}>{fill(t("fb.ep"), { n: e.episode, title: e.title })}</button>
                          {e.skipped && <div className="small warn">{skipLabel(ctx, e.skipped)}</div>}
                        </td>
                        <td>
                          <Meter label={t("fb.col.views")} done={e.views ?? 0} total={most} text={String(e.views ?? "—")} />
                          {e.views ?? "—"}
                        </td>
                        <td>{e.minutes_watched != null ? fill(t("fb.minutes"), { n: Math.round(e.minutes_watched) }) : "—"}</td>
                        <td>{e.average_view_percentage != null ? `${Math.round(e.average_view_percentage)}%` : "—"}</td>
                        <td>{e.subscribers_gained ?? "—"}</td>
                        <td>{e.report ? e.report.comments : e.comments ?? "—"}</td>
                        <td title={s ? fill(t("fb.sentiment_split"), { pos: s.positive, neu: s.neutral, neg: s.negative }) : ""}>
                          {s && n > 0 ? (
                            <div className="senti" aria-label={fill(t("fb.sentiment_split"), { pos: s.positive, neu: s.neutral, neg: s.negative })}>
                              <span className="pos" style={{ flex: s.positive }} />
                              <span className="neu" style={{ flex: s.neutral }} />
                              <span className="neg" style={{ flex: s.negative }} />
                            </div>
                          ) : (
                            "—"
                          )}
                        </td>
                      </tr>
                    );
                  })}
                </tbody>
              </table>
              <p className="small">{t("fb.legend")}</p>
              {view.channel.length > 0 && (
                <p className="small" data-testid="fb-channel">
                  {fill(t("fb.channel"), {
                    subs: view.channel[view.channel.length - 1].subscribers ?? t("fb.hidden"),
                    views: view.channel[view.channel.length - 1].views ?? "—",
                  })}
                </p>
              )}
              {view.characters.length > 0 && (
                <>
                  <h3>{t("fb.characters")}</h3>
                  <div className="chart mentions" data-testid="fb-characters">
                    {view.characters.map((c) => (
                      <div key={c.id} className="chart-row" title={c.examples.join("\n")}>
                        <span>{c.name}</span>
                        <div className="senti" style={{ width: `${Math.max(8, (100 * c.comments) / mostMentions)}%` }} aria-label={fill(t("fb.mentions"), { n: c.comments, pos: c.positive, neg: c.negative })}>
                          <span className="pos" style={{ flex: c.positive }} />
                          <span className="neu" style={{ flex: c.comments - c.positive - c.negative }} />
                          <span className="neg" style={{ flex: c.negative }} />
                        </div>
                        <span className="small">{fill(t("fb.mentions"), { n: c.comments, pos: c.positive, neg: c.negative })}</span>
                      </div>
                    ))}
                  </div>
                </>
              )}
              <Aliases ctx={ctx} view={view} onSaved={() => load(s)} />
              {ep && (
                <>
                  <h3>{fill(t("fb.ep"), { n: ep.episode, title: ep.title })}</h3>
                  <EpisodeDetail ctx={ctx} e={ep} />
                </>
              )}
            </>
          )}
          <h3>{t("fb.changes")}</h3>
          {pending.length === 0 && <p className="small">{t("fb.no_pending")}</p>}
          {pending.map((c) => (
            <ChangeCard key={c.id} ctx={ctx} c={c} busy={act.busy} decide={decide} />
          ))}
          {decided.length > 0 && (
            <details open={pending.length === 0}>
              <summary>{t("fb.decided")}</summary>
              {decided.map((c) => (
                <ChangeCard key={c.id} ctx={ctx} c={c} busy={act.busy} decide={decide} />
              ))}
            </details>
          )}
        </>
      )}
    </section>
  );
}
