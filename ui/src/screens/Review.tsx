import { useEffect, useState } from "react";
import type { MetadataView } from "../bindings/MetadataView";
import type { ReviewItem } from "../bindings/ReviewItem";
import { localToUtc, metadataProblems, utf8Bytes } from "../logic";
import { useAction, ErrorBox, type Ctx } from "./common";

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
