// What every screen shares: the context, running an action with its error, pickers.

import { useEffect, useState } from "react";
import type { AccountView } from "../bindings/AccountView";
import type { Client as Api } from "../bindings/client";
import type { EngineEvent } from "../bindings/EngineEvent";
import type { SeriesSummary } from "../bindings/SeriesSummary";
import { accountLabel, formatTime } from "../labels";
import { nextScreen, nextStep } from "../logic";
import type { Key, Lang } from "../i18n";
import { EngineError } from "../transport";

export type T = (k: Key) => string;

export interface Ctx {
  api: Api;
  t: T;
  lang: Lang;
  /** The creator's time zone (IANA name, from the studio's settings); times on screen are shown in it. */
  timeZone: string | undefined;
  /** A series' title by its id (the id itself until the list has loaded). */
  seriesTitle: (id: string) => string;
  series: string | null;
  setSeries: (id: string) => void;
  episode: number;
  setEpisode: (n: number) => void;
  events: EngineEvent[];
  mediaUrl: (path: string) => string;
}

/** Runs an action with a busy flag and shows its error with what to do next. */
export function useAction() {
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

/** An error as the creator reads it: what to do next in their language, the engine's own words (names of files,
 * fields, providers) folded under "technical details". */
export function ErrorBox({ error, t }: { error: EngineError | null; t: T }) {
  if (!error) return null;
  const step = nextStep(error.code);
  const go = nextScreen(step);
  const here = typeof window !== "undefined" ? window.location.hash.replace(/^#\//, "") : "";
  return (
    <div role="alert" className="error">
      <strong>{t("common.error")}</strong>: {t(step)}
      {go && go.screen !== here && (
        <a className="button small" href={`#/${go.screen}`} data-testid="error-go">
          {t("common.open").replace("{screen}", t(go.label))}
        </a>
      )}
      <details className="detail" data-detail>
        <summary>{t("common.details")}</summary>
        {error.message}
      </details>
    </div>
  );
}

export function SeriesPicker({ ctx, list }: { ctx: Ctx; list: SeriesSummary[] }) {
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

export function useSeriesList(ctx: Ctx, bump = 0) {
  const [list, setList] = useState<SeriesSummary[]>([]);
  useEffect(() => {
    ctx.api.series_list().then(setList).catch(() => setList([]));
  }, [ctx.api, bump]);
  return list;
}

export function EpisodePicker({ ctx }: { ctx: Ctx }) {
  return (
    <label>
      {ctx.t("common.episode")}{" "}
      <input data-testid="episode-picker" type="number" min={1} value={ctx.episode} onChange={(e) => ctx.setEpisode(Math.max(1, Number(e.target.value) || 1))} style={{ width: 60 }} />
    </label>
  );
}

/** "What to check: 3" in the creator's words, with the engine's own sentences folded under technical details. */
export function DetailList({ t, label, items, className = "warn" }: { t: T; label: string; items: string[]; className?: string }) {
  if (items.length === 0) return null;
  return (
    <div className={className}>
      {label}: {items.length}
      <details className="detail" data-detail>
        <summary>{t("common.details")}</summary>
        <ul>
          {items.map((x, i) => (
            <li key={i}>{x}</li>
          ))}
        </ul>
      </details>
    </div>
  );
}

/** A bar people and screen readers can read: its name, how far along (`done` of `total`), and the words for it. */
export function Meter({ label, done, total, over = false, text }: { label: string; done: number; total: number; over?: boolean; text?: string }) {
  const share = Math.min(1, Math.max(0, done / Math.max(total, Number.EPSILON)));
  return (
    <div className="bar" role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={total} aria-valuenow={done} aria-valuetext={text}>
      <div className={`fill ${over ? "over" : ""}`} style={{ width: `${share * 100}%` }} />
    </div>
  );
}

/** The end of an edit form: what is wrong with it (saving waits until it is fixed), Save and Cancel. */
export function EditActions({ t, problem, busy, onSave, onCancel, testid }: { t: T; problem: string | null; busy: boolean; onSave: () => void; onCancel: () => void; testid: string }) {
  return (
    <>
      {problem && (
        <div className="warn small" role="alert">
          {problem}
        </div>
      )}
      <button data-testid={testid} disabled={busy || !!problem} onClick={onSave}>
        {t("common.save")}
      </button>{" "}
      <button onClick={onCancel}>{t("common.cancel")}</button>
    </>
  );
}

/** The paid providers' keys: which is in use, which are set aside (the provider's reason under technical details,
 * since when) and what each spent; `onRestore` offers "use again" for a set-aside key. */
export function AccountList({ ctx, accounts, onRestore }: { ctx: Ctx; accounts: AccountView[]; onRestore?: (account: string) => void }) {
  const { t } = ctx;
  const shown = accounts.filter((a) => a.configured || a.set_aside);
  if (shown.length === 0) return <p className="small">{t("account.none")}</p>;
  return (
    <table data-testid="accounts">
      <thead>
        <tr>
          <th>{t("account.key")}</th>
          <th>{t("account.state")}</th>
          <th>{t("account.spent")}</th>
          {onRestore && <th />}
        </tr>
      </thead>
      <tbody>
        {shown.map((a) => (
          <tr key={a.account} data-account={a.account} data-state={a.set_aside ? "set_aside" : a.in_use ? "in_use" : "standing_by"}>
            <td>{accountLabel(t, a.provider, a.ordinal)}</td>
            <td className={a.set_aside ? "warn" : a.in_use ? "ok" : undefined}>
              {a.set_aside ? (
                <>
                  {t("account.set_aside")} ({t("account.since")} {formatTime(a.set_aside.at_ms, ctx.lang, ctx.timeZone)})
                  <details className="detail" data-detail>
                    <summary>{t("common.details")}</summary>
                    <code>{a.set_aside.reason}</code>
                  </details>
                </>
              ) : a.in_use ? (
                t("account.in_use")
              ) : (
                t("account.standing_by")
              )}
            </td>
            <td className="small">
              ${a.spent_today_usd.toFixed(2)} / ${a.spent_usd.toFixed(2)}
            </td>
            {onRestore && <td>{a.set_aside && <button data-testid={`restore-${a.account}`} onClick={() => onRestore(a.account)}>{t("account.restore")}</button>}</td>}
          </tr>
        ))}
      </tbody>
    </table>
  );
}
