import { useEffect, useState } from "react";
import type { ClipPriority } from "../bindings/ClipPriority";
import type { ShotChangeView } from "../bindings/ShotChangeView";
import type { StoryboardView } from "../bindings/StoryboardView";
import type { EpisodeEstimate } from "../bindings/EpisodeEstimate";
import { formatDuration, outfitLabel, providerLabel, redoQuestion, referenceLabel, routeWhyLabel, stageLabel } from "../labels";
import { costBar, fileToBase64, MAX_SHOT_FILE, routeLabel, SHOT_FILE_TYPES } from "../logic";
import { useAction, EditActions, ErrorBox, SeriesPicker, useSeriesList, EpisodePicker, type Ctx } from "./common";

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
  // A shot made again (or the render after it) finishing: the cards show the new take without leaving the screen.
  const made = ctx.events.filter(
    (e) => e.type === "job_finished" && e.series_id === ctx.series && e.episode === ctx.episode && (e.stage === "visuals" || e.stage === "render"),
  ).length;
  useEffect(() => {
    if (made === 0 || !ctx.series) return;
    ctx.api
      .storyboard({ series: ctx.series, episode: ctx.episode })
      .then(setView)
      .catch(() => undefined);
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [made]);
  const bar = (label: string, est: number, plan: StoryboardView["plan"], id: string) => {
    const b = costBar(est, plan.budget_usd, plan.hard_cap_usd);
    return (
      <div className="costbar" data-testid={id}>
        <div className="small">
          {label}: <strong data-testid={`${id}-label`}>{b.label}</strong> ({t("priority.cap")} ${plan.hard_cap_usd.toFixed(2)})
        </div>
        <div className="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={1} aria-valuenow={b.estimateShare} aria-valuetext={b.label}>
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
          {view.estimate && <EpisodeCost ctx={ctx} e={view.estimate} />}
          <div className="shots" data-testid="shots">
            {view.shots.map((_, i) => (
              <ShotCard key={i} ctx={ctx} view={view} i={i} onView={setView} />
            ))}
          </div>
        </>
      )}
    </section>
  );
}

/** The whole episode's estimate: each kind of work by provider, what is spent, the total against the episode cap and
 * what is left of today's cap. */
function EpisodeCost({ ctx, e }: { ctx: Ctx; e: EpisodeEstimate }) {
  const { t } = ctx;
  const num = new Intl.NumberFormat(ctx.lang === "ko" ? "ko-KR" : "en-US", { maximumFractionDigits: 0 });
  const usd = (x: number) => `$${x.toFixed(2)}`;
  const spent = Object.values(e.spent_usd).reduce((a, b) => a + (b ?? 0), 0);
  return (
    <div className="estimate" data-testid="episode-estimate">
      <h2>{t("estimate.title")}</h2>
      <p className="small hint">{t("estimate.help")}</p>
      {e.offline && (
        <p className="small hint" data-testid="estimate-offline">
          {t("estimate.offline")}
        </p>
      )}
      {e.notes.map((n) => (
        <p key={n} className="small hint" data-testid={`estimate-note-${n}`}>
          {t(`estimate.note.${n}`)}
        </p>
      ))}
      <table>
        <thead>
          <tr>
            <th>{t("estimate.work")}</th>
            <th>{t("estimate.provider")}</th>
            <th>{t("estimate.amount")}</th>
            <th>{t("estimate.cost")}</th>
          </tr>
        </thead>
        <tbody>
          {e.lines.map((l) => (
            <tr key={`${l.work}-${l.provider}`} data-testid={`estimate-${l.work}-${l.provider}`}>
              <td>{t(`estimate.work.${l.work}`)}</td>
              <td>{providerLabel(t, l.provider)}</td>
              <td>
                {num.format(l.units)} {t(`estimate.unit.${l.unit}`)}
              </td>
              <td>{l.work === "upload" ? `${t("estimate.quota_left")}: ${num.format(e.quota_left_units)}` : usd(l.usd)}</td>
            </tr>
          ))}
          {Object.entries(e.spent_usd).map(([provider, usd_]) => (
            <tr key={`spent-${provider}`} className="small" data-testid={`estimate-spent-${provider}`}>
              <td>{t("estimate.spent_row")}</td>
              <td>{providerLabel(t, provider)}</td>
              <td />
              <td>{usd(usd_ ?? 0)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <div className="small" data-testid="estimate-total">
        {t("estimate.to_come")} <strong>{usd(e.to_come_usd)}</strong> · {t("estimate.spent")} {usd(spent)} · {t("estimate.total")}{" "}
        <strong>{usd(e.total_usd)}</strong> / {t("estimate.episode_cap")} {usd(e.episode_cap_usd)} · {t("estimate.today_left")}{" "}
        {usd(e.today_left_usd)}
      </div>
      {e.over_episode_cap && <div className="warn small">{t("estimate.over_cap")}</div>}
      {e.over_today && <div className="warn small">{t("estimate.over_today")}</div>}
    </div>
  );
}

/** One shot as the creator directs it: its picture (or the creator's own), its earlier takes, the description and
 * prompt to edit, its priority, "make again" with the cost asked first, and "use my own file" (pick or drop). */
function ShotCard({ ctx, view, i, onView }: { ctx: Ctx; view: StoryboardView; i: number; onView: (v: StoryboardView) => void }) {
  const { t } = ctx;
  const s = view.shots[i];
  const now = view.plan.decisions[i];
  const d = view.if_paid.decisions[i];
  const m = view.media[i];
  const series = ctx.series as string;
  const act = useAction();
  const [editing, setEditing] = useState(false);
  const [visual, setVisual] = useState(s.visual);
  const [prompt, setPrompt] = useState(s.video_prompt);
  const [priority, setPriority] = useState<ClipPriority>(s.clip_priority);
  const [done, setDone] = useState<string | null>(null);
  const [dragging, setDragging] = useState(false);
  useEffect(() => {
    setVisual(s.visual);
    setPrompt(s.video_prompt);
    setPriority(s.clip_priority);
  }, [s.visual, s.video_prompt, s.clip_priority]);
  const after = (r: ShotChangeView | undefined) => {
    if (!r) return;
    onView(r.storyboard);
    setEditing(false);
    const again = r.change.stages_reopened;
    setDone(again.length > 0 ? `${t("shot.queued")}: ${again.map((st) => stageLabel(t, st)).join(" → ")}` : t("shot.saved"));
  };
  const [tooLarge, setTooLarge] = useState(false);
  const replace = async (file: File | undefined) => {
    if (!file || act.busy) return;
    setTooLarge(file.size > MAX_SHOT_FILE);
    if (file.size > MAX_SHOT_FILE) return;
    const r = await act.run(async () =>
      ctx.api.shot_replace({ series, episode: view.episode, shot: i, file_name: file.name, content_base64: await fileToBase64(file) }),
    );
    after(r);
    if (r && r.change.stages_reopened.length === 0) setDone(t("shot.replaced"));
  };
  const redo = () => {
    if (window.confirm(redoQuestion(t, "shot.redo_confirm", m.redo_usd))) {
      act.run(() => ctx.api.shot_redo({ series, episode: view.episode, shot: i })).then(after);
    }
  };
  const problem = editing && (visual.trim() === "" ? t("shot.visual_empty") : prompt.trim() === "" ? t("shot.prompt_empty") : null);
  return (
    <div
      className={`shot ${s.clip_priority} ${dragging ? "dragging" : ""}`}
      data-testid={`shot-${i}`}
      onDragOver={(e) => {
        e.preventDefault();
        setDragging(true);
      }}
      onDragLeave={() => setDragging(false)}
      onDrop={(e) => {
        e.preventDefault();
        if (act.busy) return;
        setDragging(false);
        replace(e.dataTransfer.files[0]);
      }}
    >
      <div className="thumb">
        {m.still ? (
          <img alt={`${t("priority.shot")} ${i + 1}`} src={ctx.mediaUrl(m.still)} />
        ) : m.clip ? (
          <video aria-label={`${t("priority.shot")} ${i + 1}`} src={ctx.mediaUrl(m.clip)} muted preload="metadata" />
        ) : (
          <div className="empty small">{t("shot.not_made")}</div>
        )}
        <span>
          #{i + 1} · {t("priority.scene")} {s.scene}
          {m.own && (
            <strong className="badge" data-testid={`own-${i}`}>
              {" "}
              {t("shot.own")}
            </strong>
          )}
        </span>
      </div>
      {editing ? (
        <div className="shot-edit">
          <label className="field">
            <span>{t("shot.visual")}</span>
            <textarea data-testid={`visual-${i}`} value={visual} rows={2} onChange={(e) => setVisual(e.target.value)} />
          </label>
          <label className="field">
            <span>{t("shot.prompt")}</span>
            <textarea data-testid={`prompt-${i}`} lang="en" value={prompt} rows={3} onChange={(e) => setPrompt(e.target.value)} />
            <small className="help">{t("shot.prompt_help")}</small>
          </label>
          <label className="field">
            <span>{t("shot.priority")}</span>
            <select value={priority} onChange={(e) => setPriority(e.target.value as ClipPriority)}>
              <option value="high">{t("priority.high")}</option>
              <option value="low">{t("priority.low")}</option>
            </select>
          </label>
          <EditActions
            t={t}
            problem={problem || null}
            busy={act.busy}
            testid={`save-shot-${i}`}
            onCancel={() => setEditing(false)}
            onSave={() => {
              const remake = (m.still !== null || m.clip !== null) && !m.own && (visual.trim() !== s.visual || prompt.trim() !== s.video_prompt);
              if (remake && !window.confirm(redoQuestion(t, "shot.redo_edit_confirm", m.redo_usd))) return;
              act.run(() => ctx.api.shot_edit({ series, episode: view.episode, shot: i, edit: { visual, video_prompt: prompt, priority } })).then(after);
            }}
          />
        </div>
      ) : (
        <>
          <div className="small">{s.visual}</div>
          <div className="tiny" lang="en">
            {s.video_prompt}
          </div>
        </>
      )}
      <div className="row">
        <button
          data-testid={`flip-${i}`}
          disabled={act.busy}
          onClick={() =>
            act
              .run(() => ctx.api.set_shot_priority({ series, episode: view.episode, shot: i, priority: s.clip_priority === "high" ? "low" : "high" }))
              .then((v) => v && onView(v))
          }
        >
          {s.clip_priority === "high" ? t("priority.high") : t("priority.low")}
        </button>
        {!editing && (
          <button data-testid={`edit-shot-${i}`} onClick={() => setEditing(true)}>
            {t("common.edit")}
          </button>
        )}
        <button data-testid={`redo-${i}`} disabled={act.busy || (m.still === null && m.clip === null)} title={m.still === null && m.clip === null ? t("shot.not_made") : undefined} onClick={redo}>
          {t("shot.redo")}
        </button>
        <label className="button">
          {t("shot.replace")}
          <input
            data-testid={`replace-${i}`}
            type="file"
            accept={SHOT_FILE_TYPES}
            disabled={act.busy}
            className="visually-hidden"
            onChange={(e) => replace(e.target.files?.[0])}
          />
        </label>
      </div>
      <div className="small" data-testid={`route-${i}`}>
        {t("priority.length")} {formatDuration(t, now.duration_sec, ctx.lang)} · {t("priority.route")}:{" "}
        {m.own ? t("shot.own") : `${t(`route.${routeLabel(now.route)}`)} (${routeWhyLabel(t, now.why, now.still)})`}
      </div>
      <div className="small">
        {t("priority.if_paid")}: {t(`route.${routeLabel(d.route)}`)} ({routeWhyLabel(t, d.why, d.still)}) · {t("priority.estimate")} ${d.estimate_usd.toFixed(3)}
      </div>
      {!m.own && (now.references || d.references) && (
        <div className="small" data-testid={`refs-${i}`}>
          {referenceLabel(t, now.references ?? d.references)}
          {m.identity?.style_image ? ` · ${t("refs.style")}` : ""}
          {m.identity && m.identity.outfit !== null ? ` · ${outfitLabel(t, m.identity)}` : ""}
          {m.identity?.retried ? ` · ${t("refs.retried")}` : ""}
        </div>
      )}
      {(view.wears[i]?.length ?? 0) > 0 && (
        <div className="small" data-testid={`outfits-${i}`}>
          {t("refs.wears").replace("{list}", view.wears[i].map(([who, o]) => `${who} — ${o}`).join(", "))}
          {m.identity && m.identity.outfit_unchecked.length > 0 ? ` · ${t("refs.outfit_unchecked").replace("{names}", m.identity.outfit_unchecked.join(", "))}` : ""}
        </div>
      )}
      {m.identity?.flagged && (
        <div className="warn small" data-testid={`drift-${i}`}>
          ⚠ {t("refs.flagged")} {t("refs.faces")}
        </div>
      )}
      {s.clip_priority === "high" && (now.why?.kind === "video_over_limit" || d.why?.kind === "video_over_limit") && (
        <div className="warn small" data-testid={`downgraded-${i}`}>
          ⚠ {t("priority.downgraded")}
        </div>
      )}
      {m.takes.length > 0 && (
        <details className="takes small" data-testid={`takes-${i}`}>
          <summary>
            {t("shot.takes")}: {m.takes.length}
          </summary>
          <div className="still-row">
            {m.takes.map((k) =>
              k.files[0]?.endsWith(".png") ? (
                <img key={k.take} alt={`${t("shot.take")} ${k.take}`} src={ctx.mediaUrl(k.files[0])} width={96} />
              ) : (
                <span key={k.take}>
                  {t("shot.take")} {k.take}
                </span>
              ),
            )}
          </div>
        </details>
      )}
      {tooLarge && (
        <div className="warn small" role="alert">
          {t("shot.too_large")}
        </div>
      )}
      {done && (
        <div className="ok small" role="status" data-testid={`shot-done-${i}`}>
          {done}
        </div>
      )}
      <ErrorBox error={act.error} t={t} />
    </div>
  );
}
