import { useEffect, useState } from "react";
import type { CastRow } from "../bindings/CastRow";
import type { CastView } from "../bindings/CastView";
import type { Character } from "../bindings/Character";
import type { SeriesDetail } from "../bindings/SeriesDetail";
import type { VoiceChoice } from "../bindings/VoiceChoice";
import type { VoiceInfo } from "../bindings/VoiceInfo";
import type { Key } from "../i18n";
import type { CharacterReferences } from "../bindings/CharacterReferences";
import type { ReferencesView } from "../bindings/ReferencesView";
import type { ReferenceSet } from "../bindings/ReferenceSet";
import { AGE_GROUPS, GENDERS, TONES, formatTime, providerLabel, toneLabel } from "../labels";
import { fileToBase64, splitTraits } from "../logic";
import { useAction, EditActions, ErrorBox, SeriesPicker, useSeriesList, type Ctx } from "./common";

// 2. Characters and casting ----------------------------------------------------------------------------------------

export function Casting({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const list = useSeriesList(ctx);
  const [detail, setDetail] = useState<SeriesDetail | null>(null);
  const [cast, setCast] = useState<CastView | null>(null);
  const [audio, setAudio] = useState<{ who: string; src: string } | null>(null);
  const act = useAction();
  const [bump, setBump] = useState(0);
  useEffect(() => {
    if (!ctx.series) return;
    const s = ctx.series;
    ctx.api.series_show({ series: s }).then(setDetail).catch(() => setDetail(null));
    act.run(() => ctx.api.cast_view({ series: s })).then((c) => c && setCast(c));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api, ctx.series, bump]);
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
              <CharacterCard key={c.id} ctx={ctx} series={ctx.series as string} c={c} onSaved={() => setBump((b) => b + 1)} />
            ))}
          </div>
          <h2>{t("casting.relationships")}</h2>
          <RelationshipGraph detail={detail} t={t} />
          <ul className="small">
            {detail.plan.relationships.map((r, i) => (
              <li key={i}>
                {names.get(r.a) ?? r.a} — {names.get(r.b) ?? r.b}: {r.type} ({r.intimacy}/10)
              </li>
            ))}
          </ul>
        </>
      )}
      {ctx.series && (
        <References
          ctx={ctx}
          series={ctx.series}
          lockedNow={cast?.locked ?? false}
          unlock={() => act.run(() => ctx.api.cast_lock({ series: ctx.series as string, locked: false })).then((c) => c && setCast(c))}
        />
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
                    <button
                      data-testid={`audition-${r.character_id}`}
                      onClick={() => act.run(() => ctx.api.cast_audition({ series: cast.series_id, character: r.character_id })).then((a) => a && setAudio({ who: r.name, src: ctx.mediaUrl(a.media) }))}
                    >
                      {t("casting.audition")}
                    </button>
                    {!cast.locked && <VoicePicker ctx={ctx} series={cast.series_id} row={r} rows={cast.rows} onCast={setCast} />}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          {audio && (
            <div className="audition">
              <strong>{audio.who}</strong> <audio data-testid="audition" controls autoPlay src={audio.src} aria-label={`${t("casting.audition")}: ${audio.who}`} />
            </div>
          )}
        </>
      )}
    </section>
  );
}

/** The largest reference image taken, and how many files (angles) one upload may have (as the engine checks). */
const MAX_REFERENCE_FILE = 10 * 1024 * 1024;
const MAX_ANGLES = 4;
const MIN_REFERENCE_SIDE = 300;

/**
 * The characters' reference images — what every picture of them is made from: the one in use, four candidates to
 * choose one from, the creator's own images (several angles), and earlier versions to go back to. Locked with the
 * cast.
 */
function References({ ctx, series, lockedNow, unlock }: { ctx: Ctx; series: string; lockedNow: boolean; unlock: () => void }) {
  const { t } = ctx;
  const [view, setView] = useState<ReferencesView | null>(null);
  const act = useAction();
  useEffect(() => {
    act.run(() => ctx.api.character_references({ series })).then((v) => v && setView(v));
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ctx.api, series, lockedNow]);
  if (!view) return <ErrorBox error={act.error} t={t} />;
  return (
    <>
      <h2>{t("refs.title")}</h2>
      <p className="small">
        {t("refs.explain")} {t("refs.upload_rules")}
      </p>
      {view.locked && (
        <p className="small" data-testid="refs-locked">
          🔒 {t("refs.locked")}{" "}
          <button data-testid="refs-unlock" onClick={unlock}>
            {t("casting.unlock")}
          </button>
        </p>
      )}
      <ErrorBox error={act.error} t={t} />
      <div className="cards ref-cards">
        {view.characters.map((c) => (
          <ReferenceCard key={c.character_id} ctx={ctx} series={series} c={c} locked={view.locked} busy={act.busy} run={(f) => act.run(f).then((v) => v && setView(v))} />
        ))}
      </div>
    </>
  );
}

function ReferenceCard({
  ctx,
  series,
  c,
  locked,
  busy,
  run,
}: {
  ctx: Ctx;
  series: string;
  c: CharacterReferences;
  locked: boolean;
  busy: boolean;
  run: (f: () => Promise<ReferencesView>) => void;
}) {
  const { t } = ctx;
  return (
    <div className="card" data-testid={`ref-card-${c.character_id}`}>
      <strong>{c.name}</strong>
      <LookSet ctx={ctx} series={series} characterId={c.character_id} name={c.name} set={c} suffix="" locked={locked} busy={busy} run={run} />
      {c.outfits.map((o, k) => (
        <div className="ref-outfit" key={o.outfit} data-testid={`ref-outfit-${c.character_id}-${k}`}>
          <div>
            <strong>
              {t("refs.outfit_title")}: {o.outfit}
            </strong>{" "}
            <span className="small">{o.first_episode != null ? t("refs.outfit_from").replace("{n}", String(o.first_episode)) : ""}</span>
          </div>
          {o.current && <div className="small">{t("refs.outfit_use")}</div>}
          {o.made_before_usual && <div className="warn small" data-testid={`ref-outfit-stale-${c.character_id}-${k}`}>{t("refs.outfit_stale")}</div>}
          <LookSet ctx={ctx} series={series} characterId={c.character_id} name={`${c.name} (${o.outfit})`} set={o} suffix={`-o${k}`} locked={locked} busy={busy} run={run} />
        </div>
      ))}
    </div>
  );
}

/** One look of a character (the usual one, or an outfit of the story): the image in use, candidates, upload, versions. */
function LookSet({
  ctx,
  series,
  characterId,
  name,
  set: c,
  suffix,
  locked,
  busy,
  run,
}: {
  ctx: Ctx;
  series: string;
  characterId: string;
  name: string;
  set: ReferenceSet;
  /** Added to the test ids: "" for the usual look, "-o0", "-o1"… for outfits. */
  suffix: string;
  locked: boolean;
  busy: boolean;
  run: (f: () => Promise<ReferencesView>) => void;
}) {
  const { t } = ctx;
  const [problem, setProblem] = useState<string | null>(null);
  // Which button is working, so it can say so while the others wait.
  const [working, setWorking] = useState<"candidates" | "upload" | null>(null);
  const who = { series, character: characterId, ...(c.outfit ? { outfit: c.outfit } : {}) };
  const id = `${characterId}${suffix}`;
  const doing = (what: "candidates" | "upload", f: () => Promise<ReferencesView>) => {
    setWorking(what);
    run(() => f().finally(() => setWorking(null)));
  };
  const upload = async (list: FileList | null) => {
    const files = Array.from(list ?? []);
    setProblem(null);
    if (files.length === 0) return;
    if (files.length > MAX_ANGLES) return setProblem(t("refs.too_many").replace("{n}", String(MAX_ANGLES)));
    const other = files.find((f) => !/\.(png|jpe?g)$/i.test(f.name) && f.type !== "image/png" && f.type !== "image/jpeg");
    if (other) return setProblem(t("refs.not_image").replace("{name}", other.name));
    const big = files.find((f) => f.size > MAX_REFERENCE_FILE);
    if (big) return setProblem(t("refs.too_big").replace("{name}", big.name));
    // Read each picture here first, so the creator hears what is wrong with which file in their language.
    for (const f of files) {
      let size: { width: number; height: number };
      try {
        const bitmap = await createImageBitmap(f);
        size = { width: bitmap.width, height: bitmap.height };
        bitmap.close();
      } catch {
        return setProblem(t("refs.not_image").replace("{name}", f.name));
      }
      if (size.width < MIN_REFERENCE_SIDE || size.height < MIN_REFERENCE_SIDE)
        return setProblem(
          t("refs.too_small")
            .replace("{name}", f.name)
            .replace("{size}", `${size.width}×${size.height}`)
            .replace("{min}", String(MIN_REFERENCE_SIDE)),
        );
    }
    const encoded = await Promise.all(files.map(async (f) => ({ file_name: f.name, content_base64: await fileToBase64(f) })));
    doing("upload", () => ctx.api.character_reference_upload({ ...who, files: encoded }));
  };
  const sourceLabel = c.source ? t(`refs.source.${c.source}`) : t("refs.none");
  return (
    <>
      <div className="ref-now">
        {c.current ? (
          <img src={ctx.mediaUrl(c.current)} alt={`${name} ${t("refs.current")}`} data-testid={`ref-current-${id}`} />
        ) : (
          <div className="empty small">{c.outfit ? t("refs.outfit_none") : t("refs.none")}</div>
        )}
        <div className="small">{c.current ? `${t("refs.current")}: ${sourceLabel}` : ""}</div>
        {(() => {
          // The other angles of the version in use, small, beside the main image.
          const now = c.versions.find((v) => v.current);
          return now && now.files.length > 1 ? (
            <div className="ref-angles" data-testid={`ref-angles-${id}`}>
              {now.files.slice(1).map((f, k) => (
                <img key={f} src={ctx.mediaUrl(f)} alt={`${name} ${t("refs.angle")} ${k + 2}`} />
              ))}
            </div>
          ) : null;
        })()}
      </div>
      {!locked && (
        <div className="row">
          <button data-testid={`ref-candidates-${id}`} disabled={busy} onClick={() => doing("candidates", () => ctx.api.character_reference_candidates(who))}>
            {working === "candidates" ? t("refs.making") : c.candidates.length > 0 ? t("refs.candidates_again") : t("refs.candidates")}
          </button>
          <label className="button">
            {working === "upload" ? t("refs.uploading") : t("refs.upload")}
            <input
              type="file"
              multiple
              accept="image/png,image/jpeg"
              className="visually-hidden"
              data-testid={`ref-upload-${id}`}
              disabled={busy}
              onChange={(e) => {
                void upload(e.target.files);
                e.target.value = "";
              }}
            />
          </label>
        </div>
      )}
      {problem && <div className="warn small">{problem}</div>}
      {c.candidates.length > 0 && !locked && (
        <div data-testid={`ref-candidate-list-${id}`}>
          <div className="small">
            {t("refs.choose")} {c.candidates_offline ? `(${t("refs.offline")})` : `($${c.candidates_cost_usd.toFixed(3)})`}
          </div>
          {c.outfit && !c.candidates_offline && !c.candidates_keep_face && <div className="warn small">{t("refs.words_face")}</div>}
          <div className="ref-grid">
            {c.candidates.map((src, k) => (
              <figure key={src}>
                <img src={ctx.mediaUrl(src)} alt={`${name} ${t("refs.candidate")} ${k + 1}`} />
                <button data-testid={`ref-choose-${id}-${k}`} disabled={busy || locked} onClick={() => run(() => ctx.api.character_reference_choose({ ...who, candidate: k }))}>
                  {t("refs.use_this")} ({k + 1})
                </button>
              </figure>
            ))}
          </div>
        </div>
      )}
      {c.versions.length > 1 && (
        <details className="small" data-testid={`ref-versions-${id}`}>
          <summary>
            {t("refs.versions")} ({c.versions.length})
          </summary>
          <div className="ref-grid">
            {c.versions.map((v) => (
              <figure key={v.version}>
                <img src={ctx.mediaUrl(v.files[0])} alt={`${name} ${t("refs.version")} ${v.version}`} />
                <figcaption>
                  {t("refs.version")} {v.version} · {t(`refs.source.${v.source}`)}
                  {v.files.length > 1 ? ` · ${t("refs.angles").replace("{n}", String(v.files.length))}` : ""} · {formatTime(v.created_ms, ctx.lang, ctx.timeZone)}
                </figcaption>
                {v.current ? (
                  <span>✓ {t("refs.in_use")}</span>
                ) : locked ? null : (
                  <button data-testid={`ref-use-${id}-${v.version}`} disabled={busy || locked} onClick={() => run(() => ctx.api.character_reference_use({ ...who, version: v.version }))}>
                    {t("refs.use_version")}
                  </button>
                )}
              </figure>
            ))}
          </div>
        </details>
      )}
    </>
  );
}

/** A character's card: read, or edited in place (name, role, occupation, traits, look, voice profile). */
function CharacterCard({ ctx, series, c, onSaved }: { ctx: Ctx; series: string; c: Character; onSaved: () => void }) {
  const { t } = ctx;
  const act = useAction();
  const [editing, setEditing] = useState(false);
  const [f, setF] = useState({ name: "", role: "", occupation: "", personality: "", appearance: "", gender: "", age_group: "", tone: "" });
  const open = () => {
    setF({
      name: c.name,
      role: c.role,
      occupation: c.occupation,
      personality: c.personality.join(", "),
      appearance: c.appearance_profile.description ?? "",
      gender: c.voice_profile.gender,
      age_group: c.voice_profile.age_group,
      tone: c.voice_profile.tone,
    });
    setEditing(true);
  };
  const set = (k: keyof typeof f) => (e: { target: { value: string } }) => setF({ ...f, [k]: e.target.value });
  const problem = editing && f.name.trim() === "" ? t("character.name_empty") : null;
  if (!editing)
    return (
      <div className="card" data-testid={`character-${c.id}`}>
        <strong>{c.name}</strong> <span className="small">{t(`importance.${c.importance}`)}</span>
        <div className="small">
          {c.role}
          {c.age ? ` · ${c.age}` : ""} {c.occupation && `· ${c.occupation}`}
        </div>
        <div className="small">{c.personality.join(", ")}</div>
        <button className="link small" data-testid={`edit-character-${c.id}`} onClick={open} aria-label={`${t("common.edit")}: ${c.name}`}>
          {t("common.edit")}
        </button>
      </div>
    );
  return (
    <div className="card editing" data-testid={`character-form-${c.id}`}>
      <label className="field">
        <span>{t("character.name")}</span>
        <input data-testid="character-name" value={f.name} onChange={set("name")} />
      </label>
      <label className="field">
        <span>{t("character.role")}</span>
        <input value={f.role} onChange={set("role")} />
      </label>
      <label className="field">
        <span>{t("character.occupation")}</span>
        <input value={f.occupation} onChange={set("occupation")} />
      </label>
      <label className="field">
        <span>{t("character.personality")}</span>
        <input value={f.personality} onChange={set("personality")} aria-describedby={`traits-help-${c.id}`} />
        <small className="help" id={`traits-help-${c.id}`}>
          {t("character.personality_help")}
        </small>
      </label>
      <label className="field">
        <span>{t("character.appearance")}</span>
        <textarea lang="en" rows={3} value={f.appearance} onChange={set("appearance")} aria-describedby={`look-help-${c.id}`} />
        <small className="help" id={`look-help-${c.id}`}>
          {t("character.appearance_help")}
        </small>
        {/[\uac00-\ud7a3]/.test(f.appearance) && (
          <small className="warn small" role="status" data-testid="look-korean">
            {t("character.appearance_korean")}
          </small>
        )}
      </label>
      <label className="field">
        <span>{t("character.gender")}</span>
        <select value={f.gender} onChange={set("gender")}>
          {withCurrent(GENDERS, f.gender).map((g) => (
            <option key={g} value={g}>
              {(GENDERS as readonly string[]).includes(g) ? t(`gender.${g}` as Key) : g || "—"}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("character.age_group")}</span>
        <select value={f.age_group} onChange={set("age_group")}>
          {withCurrent(AGE_GROUPS, f.age_group).map((a) => (
            <option key={a} value={a}>
              {(AGE_GROUPS as readonly string[]).includes(a) ? t(`age.${a}` as Key) : a || "—"}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span>{t("character.tone")}</span>
        <select value={f.tone} onChange={set("tone")}>
          {withCurrent(TONES, f.tone).map((x) => (
            <option key={x} value={x}>
              {toneLabel(t, x) || "—"}
            </option>
          ))}
        </select>
      </label>
      <EditActions
        t={t}
        problem={problem}
        busy={act.busy}
        testid="save-character"
        onCancel={() => setEditing(false)}
        onSave={() =>
          act
            .run(() =>
              ctx.api.character_edit({
                series,
                character: c.id,
                edit: {
                  name: f.name,
                  role: f.role,
                  occupation: f.occupation,
                  personality: splitTraits(f.personality),
                  appearance: f.appearance,
                  gender: f.gender,
                  age_group: f.age_group,
                  tone: f.tone,
                },
              }),
            )
            .then((r) => {
              if (!r) return;
              setEditing(false);
              onSaved();
            })
        }
      />
      <ErrorBox error={act.error} t={t} />
    </div>
  );
}

/** Picks a character's voice from the providers' voices, best fit first (the cast must be unlocked). */
function VoicePicker({ ctx, series, row, rows, onCast }: { ctx: Ctx; series: string; row: CastRow; rows: CastRow[]; onCast: (c: CastView) => void }) {
  // Who else speaks with each voice (their modulation differs, but the creator may want voices apart).
  const usedBy = (v: VoiceInfo) =>
    rows
      .filter((r) => r.character_id !== row.character_id && r.entry.primary.provider === v.provider && r.entry.primary.voice_id === v.voice_id)
      .map((r) => r.name);
  const { t } = ctx;
  const act = useAction();
  const [choices, setChoices] = useState<VoiceChoice[] | null>(null);
  if (choices === null)
    return (
      <button data-testid={`pick-voice-${row.character_id}`} disabled={act.busy} onClick={() => act.run(() => ctx.api.voice_choices({ series, character: row.character_id })).then((c) => c && setChoices(c))}>
        {t("casting.pick_voice")}
      </button>
    );
  const key = (c: VoiceChoice) => `${c.voice.provider}/${c.voice.voice_id}`;
  const now = choices.find((c) => c.current);
  return (
    <span>
      <label>
        <span className="visually-hidden">{t("casting.pick_voice")}</span>
        <select
          data-testid={`voice-select-${row.character_id}`}
          value={now ? key(now) : ""}
          disabled={act.busy}
          onChange={(e) => {
            const pick = choices.find((c) => key(c) === e.target.value);
            if (!pick) return;
            act
              .run(() => ctx.api.cast_voice_set({ series, character: row.character_id, provider: pick.voice.provider, voice_id: pick.voice.voice_id }))
              .then((c) => {
                if (!c) return;
                onCast(c);
                setChoices(choices.map((x) => ({ ...x, current: key(x) === key(pick) })));
              });
          }}
        >
          {choices.map((c) => (
            <option key={key(c)} value={key(c)}>
              {providerLabel(t, c.voice.provider)} · {c.voice.name}
              {voiceTraits(t, c.voice)} — {t("casting.fit")} {Math.round(c.match_score * 100)}%
              {usedBy(c.voice).length > 0 ? ` · ${t("casting.used_by")} ${usedBy(c.voice).join(", ")}` : ""}
            </option>
          ))}
        </select>
      </label>
      <span className="help"> {t("casting.voice_change_note")}</span>
      <ErrorBox error={act.error} t={t} />
    </span>
  );
}

/** Characters on a circle, relationships as labelled lines (thicker = closer); main characters drawn larger and in
 * the accent colour, names on a light halo so lines never hide them. */
function RelationshipGraph({ detail, t }: { detail: SeriesDetail; t: Ctx["t"] }) {
  const chars = detail.plan.characters;
  const w = 760;
  const h = 560;
  const r = 220;
  const pos = new Map(
    chars.map((c, i) => {
      const a = (2 * Math.PI * i) / Math.max(chars.length, 1) - Math.PI / 2;
      return [c.id, { x: w / 2 + r * Math.cos(a), y: h / 2 + r * Math.sin(a), c }];
    }),
  );
  const main = (imp: string) => imp === "main" || imp === "major_supporting";
  return (
    <svg viewBox={`0 0 ${w} ${h}`} width="100%" style={{ maxWidth: w }} role="img" aria-label={t("casting.relationships")} className="graph">
      {detail.plan.relationships.map((rel, i) => {
        const a = pos.get(rel.a);
        const b = pos.get(rel.b);
        if (!a || !b) return null;
        return (
          <g key={i} className="edge">
            <line x1={a.x} y1={a.y} x2={b.x} y2={b.y} strokeWidth={0.8 + rel.intimacy / 2.5} stroke="#9c2159" opacity={0.55} />
            {/* Labels sit at 35 % or 65 % of their line, alternating, so crossing lines' labels rarely meet. */}
            <text x={a.x + (b.x - a.x) * (i % 2 ? 0.35 : 0.65)} y={a.y + (b.y - a.y) * (i % 2 ? 0.35 : 0.65)} className="edge-label" textAnchor="middle">
              {rel.type}
            </text>
          </g>
        );
      })}
      {[...pos.values()].map(({ x, y, c }) => (
        <g key={c.id} className={main(c.importance) ? "node main" : "node"}>
          <circle cx={x} cy={y} r={main(c.importance) ? 11 : 7} />
          <text x={x} y={y + (y < h / 2 ? -16 : 24)} textAnchor="middle" className="node-label">
            {c.name}
          </text>
        </g>
      ))}
    </svg>
  );
}

/** What a voice sounds like, in the creator's words: " (여성, 성인, 따뜻한)"; empty when the provider says nothing. */
function voiceTraits(t: (k: Key) => string, v: VoiceInfo): string {
  const words = [
    (GENDERS as readonly string[]).includes(v.gender) ? t(`gender.${v.gender}` as Key) : "",
    (AGE_GROUPS as readonly string[]).includes(v.age_group) ? t(`age.${v.age_group}` as Key) : "",
    ...v.tones.slice(0, 2).map((x) => toneLabel(t, x)),
  ].filter(Boolean);
  return words.length ? ` (${words.join(", ")})` : "";
}

/** A select's choices with the current value first when it is not one of them (a value the writer produced, or
 * none yet), so the select shows what is stored and saving unchanged keeps it. */
function withCurrent(list: readonly string[], current: string): string[] {
  return list.includes(current) ? [...list] : [current, ...list];
}
