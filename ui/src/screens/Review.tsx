import { useEffect, useRef, useState } from "react";
import type { MetadataView } from "../bindings/MetadataView";
import type { ReviewItem } from "../bindings/ReviewItem";
import type { ReviewTimeline } from "../bindings/ReviewTimeline";
import type { StoryboardView } from "../bindings/StoryboardView";
import { clockTime, decisionLabel, episodeLabel, episodeName, formatTime, redoQuestion } from "../labels";
import { metadataProblems, problemText, utf8Bytes, zonedToUtc } from "../logic";
import { useAction, DetailList, ErrorBox, type Ctx } from "./common";

// 6. Review before upload ------------------------------------------------------------------------------------------

export function Review({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  // What was decided here stays on screen after its card leaves the list.
  const [done, setDone] = useState<string[]>([]);
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
      {done.map((d, i) => (
        <p key={i} className="ok" data-testid="review-done">
          {d}
        </p>
      ))}
      {items.length === 0 && <p>{t("review.nothing")}</p>}
      {items.map((it) => (
        <ReviewCard
          key={`${it.series_id}-${it.episode}`}
          ctx={ctx}
          it={it}
          reload={load}
          onDone={(d) => setDone((old) => [d, ...old].slice(0, 5))}
        />
      ))}
    </section>
  );
}

/** One episode's review: its own reason, publish time, scenes to redo, result and errors — nothing shared with
 * another card. */
function ReviewCard({ ctx, it, reload, onDone }: { ctx: Ctx; it: ReviewItem; reload: () => void; onDone: (what: string) => void }) {
  const { t } = ctx;
  const [reason, setReason] = useState("");
  const [when, setWhen] = useState("");
  const [picked, setPicked] = useState<number[]>([]);
  const [board, setBoard] = useState<StoryboardView | null>(null);
  const act = useAction();
  useEffect(() => {
    ctx.api.storyboard({ series: it.series_id, episode: it.episode }).then(setBoard).catch(() => setBoard(null));
  }, [ctx.api, it.series_id, it.episode]);
  const still = (scene: number) => {
    const i = board?.shots.findIndex((s) => s.scene === scene) ?? -1;
    return i >= 0 ? (board?.media[i]?.still ?? null) : null;
  };
  const toggle = (n: number) => setPicked((p) => (p.includes(n) ? p.filter((x) => x !== n) : [...p, n].sort((a, b) => a - b)));
  const publishAt = zonedToUtc(when, ctx.timeZone);
  return (
    <div className="review" data-testid={`review-${it.series_id}-${it.episode}`}>
      <h3>
        {it.series_title} — {it.episode}. {it.title}{" "}
        <span className="small" data-status={it.status}>
          ({episodeLabel(t, it.status)})
        </span>
      </h3>
      {it.video && (
        <ReviewPlayer
          ctx={ctx}
          it={it}
          board={board}
          onRedo={(what) => {
            onDone(what);
            reload();
          }}
        />
      )}
      {it.status === "rejected" && (
        <p className="warn" data-testid="rejected-note">
          {t("review.rejected_note")}
          {it.decisions.at(-1)?.reason ? ` «${it.decisions.at(-1)?.reason}»` : ""}
        </p>
      )}
      <DetailList t={t} label={t("review.flags")} items={it.flags} className="warn small" />
      <MetadataEditor ctx={ctx} series={it.series_id} episode={it.episode} />
      <label className="field">
        <span>{t("review.reason")}</span>
        <input data-testid="reason" value={reason} onChange={(e) => setReason(e.target.value)} />
      </label>
      <label className="field">
        <span>{t("review.schedule")}</span>
        <input data-testid="schedule" type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />
      </label>
      {when && publishAt && (
        <div className="small" data-testid="schedule-echo">
          {t("review.scheduled")} {formatTime(publishAt, ctx.lang, ctx.timeZone)}
        </div>
      )}
      <ErrorBox error={act.error} t={t} />
      <button
        data-testid="approve"
        disabled={act.busy || (!!when && !publishAt)}
        onClick={() =>
          act.run(() => ctx.api.review_approve({ series: it.series_id, episode: it.episode, reason, publish_at: publishAt ?? undefined })).then((r) => {
            if (r) {
              onDone(
                `${episodeName(t, it.series_title, it.episode)}: ${episodeLabel(t, r.status)}${
                  r.publish_at ? ` · ${t("review.scheduled")} ${formatTime(r.publish_at, ctx.lang, ctx.timeZone)}` : ""
                }`,
              );
              reload();
            }
          })
        }
      >
        {t("review.approve")}
      </button>
      <button
        data-testid="reject"
        hidden={it.status === "rejected"}
        disabled={act.busy}
        onClick={() =>
          act.run(() => ctx.api.review_reject({ series: it.series_id, episode: it.episode, reason })).then((r) => {
            if (r) {
              onDone(`${episodeName(t, it.series_title, it.episode)}: ${episodeLabel(t, r)}`);
              reload();
            }
          })
        }
      >
        {t("review.reject")}
      </button>
      {board && board.scenes.length > 0 && (
        <fieldset className="scene-pick" data-testid="scene-pick">
          <legend>{t("review.scenes")}</legend>
          {board.scenes.map((sc) => {
            const img = still(sc.number);
            return (
              <label key={sc.number} className="scene-option">
                <input type="checkbox" data-testid={`scene-${sc.number}`} checked={picked.includes(sc.number)} onChange={() => toggle(sc.number)} />
                {img && <img alt="" src={ctx.mediaUrl(img)} onError={(e) => ((e.target as HTMLImageElement).style.display = "none")} />}
                <span>
                  {t("priority.scene")} {sc.number} · {sc.location}
                </span>
              </label>
            );
          })}
        </fieldset>
      )}
      <button
        data-testid="regenerate"
        disabled={act.busy || picked.length === 0}
        onClick={() =>
          act.run(() => ctx.api.review_regenerate({ series: it.series_id, episode: it.episode, scenes: picked, reason })).then((r) => {
            if (r) {
              // The card leaves the list while the scenes are made again: say so where the screen lists what was done.
              onDone(`${episodeName(t, it.series_title, it.episode)} · ${t("priority.scene")} ${r.scenes.join(", ")}: ${t("review.regenerating")}`);
              setPicked([]);
              reload();
            }
          })
        }
      >
        {t("review.regenerate")}
      </button>
      {it.decisions.length > 0 && (
        <div className="small" data-testid="decisions">
          {t("review.decisions")}:{" "}
          {it.decisions
            .map((d) => {
              const scenes = d.scenes.length > 0 ? ` — ${t("priority.scene")} ${d.scenes.join(", ")}` : "";
              const reason = d.reason ? ` «${d.reason}»` : "";
              return `${decisionLabel(t, d.decision)}${scenes}${reason} (${formatTime(d.at_ms, ctx.lang, ctx.timeZone)})`;
            })
            .join(" · ")}
        </div>
      )}
    </div>
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
          {t("review.meta_description")} ({utf8Bytes(description)}/5000 {t("review.bytes")})
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
            <li key={p.key}>{problemText(t, p)}</li>
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
        {view.thumbnail && <img className="thumbnail" alt={t("review.thumbnail")} src={ctx.mediaUrl(`${view.thumbnail}?v=${Date.now()}`)} />}
        <div className="small">{t("review.pick_thumbnail")}</div>
        <div className="still-row">
          {view.stills.map((s, i) =>
            s ? (
              <img
                key={i}
                alt={`${t("review.shot")} ${i + 1}`}
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

/** The episode large, with its scenes as markers under it (click to jump), the script beside it following playback
 * (click a line to hear it), subtitles on the picture, and the shots under the scene being played with "make again"
 * (its cost asked first). */
function ReviewPlayer({ ctx, it, board, onRedo }: { ctx: Ctx; it: ReviewItem; board: StoryboardView | null; onRedo: (what: string) => void }) {
  const { t } = ctx;
  const video = useRef<HTMLVideoElement>(null);
  const list = useRef<HTMLOListElement>(null);
  const [tl, setTl] = useState<ReviewTimeline | null>(null);
  const [now, setNow] = useState(0);
  const act = useAction();
  useEffect(() => {
    ctx.api.review_timeline({ series: it.series_id, episode: it.episode }).then(setTl).catch(() => setTl(null));
  }, [ctx.api, it.series_id, it.episode]);
  const seek = (sec: number) => {
    if (video.current) video.current.currentTime = sec + 0.01;
    setNow(sec);
  };
  const line = tl?.lines.find((l) => now >= l.start_sec && now < l.end_sec);
  const scene = tl?.scenes.find((c) => now >= c.start_sec && now < c.end_sec);
  useEffect(() => {
    if (!line || !list.current) return;
    list.current.querySelector(`[data-line="${line.id}"]`)?.scrollIntoView({ block: "nearest" });
  }, [line]);
  const total = Math.max(tl?.total_sec ?? 0, 0.01);
  const redo = (index: number) => {
    if (!window.confirm(redoQuestion(t, "shot.redo_confirm", board?.media[index]?.redo_usd ?? 0))) return;
    act.run(() => ctx.api.shot_redo({ series: it.series_id, episode: it.episode, shot: index })).then((r) => {
      if (!r) return;
      // The card leaves the list while the shot is made again: the note goes to the screen's list of what was done.
      onRedo(`${episodeName(t, it.series_title, it.episode)} · ${t("review.shot")} ${index + 1}: ${t("shot.queued")}`);
    });
  };
  return (
    <div className="player-wrap">
      <div className="player-main">
        <video
          ref={video}
          data-testid="player"
          controls
          src={ctx.mediaUrl(`/media/${it.video}`)}
          onTimeUpdate={(e) => setNow((e.target as HTMLVideoElement).currentTime)}
          aria-label={episodeName(t, it.series_title, it.episode)}
        >
        </video>
        {tl && (
          <div className="scene-marks" role="group" aria-label={t("review.scenes_in_video")} data-testid="scene-marks">
            {tl.scenes.map((c) => (
              <button
                key={c.number}
                className={`scene-mark ${scene?.number === c.number ? "current" : ""}`}
                style={{ left: `${(100 * c.start_sec) / total}%`, width: `${(100 * (c.end_sec - c.start_sec)) / total}%` }}
                onClick={() => seek(c.start_sec)}
                title={`${t("priority.scene")} ${c.number} · ${c.location} · ${clockTime(c.start_sec)}`}
                data-testid={`mark-${c.number}`}
              >
                {c.number}
              </button>
            ))}
            <div className="playhead" style={{ left: `${(100 * now) / total}%` }} />
          </div>
        )}
        {tl && board && scene && (
          <div className="small">
            {t("priority.scene")} {scene.number} · {scene.location}
          </div>
        )}
        {board && board.media.some((m) => m.identity?.flagged) && (
          <div className="warn small" data-testid="review-drift">
            ⚠ {t("review.shot")}{" "}
            {board.media
              .map((m, i) => (m.identity?.flagged ? `#${i + 1}` : ""))
              .filter(Boolean)
              .join(", ")}
            : {t("refs.flagged")} {t("refs.faces")}
          </div>
        )}
        {tl && board && (
          <div className="shot-strip" data-testid="shot-strip">
            {tl.shots
              .filter((s) => !scene || s.scene === scene.number)
              .map((s) => {
                const m = board.media[s.index];
                return (
                  <figure key={s.index} className={now >= s.start_sec && now < s.end_sec ? "current" : ""}>
                    {m?.still ? (
                      <img alt={`${t("review.shot")} ${s.index + 1}`} src={ctx.mediaUrl(m.still)} onClick={() => seek(s.start_sec)} />
                    ) : m?.clip ? (
                      // A clip without a still (the creator's own): its first frame.
                      <video aria-label={`${t("review.shot")} ${s.index + 1}`} src={ctx.mediaUrl(m.clip)} preload="metadata" muted onClick={() => seek(s.start_sec)} />
                    ) : (
                      <div className="empty small">{t("shot.not_made")}</div>
                    )}
                    <figcaption className="small">
                      {m?.identity?.flagged && (
                        <span className="warn" data-testid={`review-drift-${s.index}`} title={`${t("refs.flagged")} ${t("refs.faces")}`}>
                          ⚠{" "}
                        </span>
                      )}
                      #{s.index + 1} · {clockTime(s.start_sec)}{" "}
                      <button className="link" data-testid={`review-redo-${s.index}`} disabled={act.busy} onClick={() => redo(s.index)}>
                        {t("shot.redo")}
                      </button>
                    </figcaption>
                  </figure>
                );
              })}
          </div>
        )}
        <ErrorBox error={act.error} t={t} />
      </div>
      {tl && (
        <ol className="script-follow" ref={list} aria-label={t("review.script")} data-testid="script-follow">
          {tl.lines.map((l) => (
            <li key={l.id} data-line={l.id} className={line?.id === l.id ? "current" : ""} onClick={() => seek(l.start_sec)}>
              <span className="small">{clockTime(l.start_sec)}</span> <strong>{l.speaker}</strong> {l.text}
            </li>
          ))}
        </ol>
      )}
    </div>
  );
}
