import { useEffect, useState } from "react";
import type { CastView } from "../bindings/CastView";
import type { SeriesDetail } from "../bindings/SeriesDetail";
import { providerLabel } from "../labels";
import { useAction, ErrorBox, SeriesPicker, useSeriesList, type Ctx } from "./common";

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
                    {providerLabel(t, r.entry.primary.provider)} · <code className="voice">{r.entry.primary.voice_name}</code>
                  </td>
                  <td className="small">
                    {r.entry.fallbacks.map((f, i) => (
                      <span key={i}>
                        {i > 0 && " → "}
                        {providerLabel(t, f.provider)} · <code className="voice">{f.voice_name}</code>
                      </span>
                    ))}
                  </td>
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
