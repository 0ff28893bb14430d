import { useEffect, useState } from "react";
import type { AlertDelivery } from "../bindings/AlertDelivery";
import type { AlertRoute } from "../bindings/AlertRoute";
import type { ChannelRow } from "../bindings/ChannelRow";
import type { SecretStatus } from "../bindings/SecretStatus";
import type { ImportReport } from "../bindings/ImportReport";
import type { KeyTestReport } from "../bindings/KeyTestReport";
import type { SettingsView } from "../bindings/SettingsView";
import type { Key } from "../i18n";
import type { AccountView } from "../bindings/AccountView";
import { keyNameLabel } from "../labels";
import { settingProblems, type SettingKey } from "../logic";
import { useAction, AccountList, DetailList, ErrorBox, type Ctx } from "./common";

// 7. Settings ------------------------------------------------------------------------------------------------------

export function Settings({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const [keys, setKeys] = useState<SecretStatus[]>([]);
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [channels, setChannels] = useState<ChannelRow[]>([]);
  const [provider, setProvider] = useState("fal");
  const [imported, setImported] = useState<ImportReport | null>(null);
  const [value, setValue] = useState("");
  const [keySaved, setKeySaved] = useState("");
  const [accounts, setAccounts] = useState<AccountView[]>([]);
  const act = useAction();
  const load = () => {
    ctx.api.secrets_status().then(setKeys).catch(() => setKeys([]));
    ctx.api.accounts_list().then(setAccounts).catch(() => setAccounts([]));
    ctx.api.settings_get().then(setSettings).catch(() => setSettings(null));
    ctx.api.channels_list().then(setChannels).catch(() => setChannels([]));
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(load, [ctx.api]);
  // A channel connected (or not) in the browser's sign-in window: the list follows without a reload.
  const channelNews = ctx.events.filter((e) => e.type === "alert" && (e.about.kind === "channel_connected" || e.about.kind === "channel_not_connected")).length;
  useEffect(() => {
    if (channelNews > 0) ctx.api.channels_list().then(setChannels).catch(() => undefined);
  }, [ctx.api, channelNews]);
  const prod = settings?.production;
  const vis = settings?.visuals;
  const yt = settings?.youtube;
  const al = settings?.alerts;
  // Every key the form can store: the providers', then fal's and HeyGen's further keys (`fal#2` …) in line.
  const keyNames = [...keys.map((k) => k.provider).filter((p) => !p.includes("#")), ...accounts.filter((a) => a.ordinal > 1).map((a) => a.account)];
  return (
    <section>
      <h2>{t("settings.keys")}</h2>
      <table data-testid="keys">
        <tbody>
          {keys.map((k) => (
            <KeyRow key={k.provider} ctx={ctx} k={k} />
          ))}
        </tbody>
      </table>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          act.run(() => ctx.api.secret_set({ provider, value })).then((r) => {
            if (r === undefined) return;
            setValue("");
            // A key from the environment wins over the keyring: say so, or the saved key seems to do nothing.
            const fromEnv = keys.find((k) => k.provider === provider)?.source === "env";
            setKeySaved(`${keyNameLabel(t, provider)}: ${t(fromEnv ? "settings.key_saved_env" : "settings.key_saved")}`);
            load();
          });
        }}
      >
        <select value={provider} onChange={(e) => setProvider(e.target.value)} data-testid="key-provider">
          {keyNames.map((name) => (
            <option key={name} value={name}>
              {keyNameLabel(t, name)}
            </option>
          ))}
        </select>
        <input type="password" autoComplete="off" value={value} onChange={(e) => setValue(e.target.value)} />
        <button type="submit" disabled={!value}>
          {t("settings.save")}
        </button>
      </form>
      {keySaved && (
        <p className="small ok" role="status" data-testid="key-saved">
          {keySaved}
        </p>
      )}
      <ErrorBox error={act.error} t={t} />
      <h3>{t("account.title")}</h3>
      <p className="small help">{t("account.intro")}</p>
      <AccountList ctx={ctx} accounts={accounts} onRestore={(account) => act.run(() => ctx.api.account_restore({ account })).then((r) => r && setAccounts(r))} />
      <h2>{t("settings.budgets")}</h2>
      <SettingsForm
        ctx={ctx}
        testid="form-budgets"
        fields={[
          { key: "visuals.budget_per_episode_usd", value: vis?.budget_per_episode_usd, kind: "money" },
          { key: "visuals.hard_cap_usd", value: vis?.hard_cap_usd, kind: "money" },
          { key: "production.daily_cap_usd", value: prod?.daily_cap_usd, kind: "money" },
          { key: "production.episode_cap_usd", value: prod?.episode_cap_usd, kind: "money" },
          { key: "visuals.video_model", value: vis?.video_model, kind: "text" },
          { key: "visuals.still_model", value: vis?.still_model, kind: "text" },
        ]}
        onSaved={load}
      />
      <h2>{t("settings.plan")}</h2>
      <SettingsForm
        ctx={ctx}
        testid="form-plan"
        fields={[
          { key: "production.episodes_per_day", value: prod?.episodes_per_day, kind: "count" },
          { key: "production.review", value: prod?.review, kind: "choice", choices: ["always", "flagged", "never"] },
          { key: "production.work_window", value: prod?.work_window, kind: "window" },
          { key: "production.time_zone", value: prod?.time_zone, kind: "zone" },
          { key: "youtube.publish_times", value: yt?.publish_times.join(", "), kind: "times" },
          { key: "youtube.publish_per_day", value: yt?.publish_per_day, kind: "count" },
          { key: "youtube.daily_units", value: yt?.daily_units, kind: "count" },
          { key: "youtube.uploads_per_day", value: yt?.uploads_per_day, kind: "count" },
        ]}
        onSaved={load}
      />
      <h2>{t("settings.youtube")}</h2>
      <SettingsForm ctx={ctx} testid="form-youtube" fields={[{ key: "youtube.client_id", value: yt?.client_id, kind: "text" }]} onSaved={load} />
      <h2>{t("settings.import")}</h2>
      <input
        type="file"
        accept=".json,application/json"
        data-testid="import-file"
        onChange={async (e) => {
          const f = e.target.files?.[0];
          if (!f) return;
          const r = await act.run(async () => ctx.api.settings_import({ file_name: f.name, content: await f.text() }));
          if (r) setImported(r);
        }}
      />
      {imported && (
        <div className="small" data-testid="import-report">
          {imported.kind === "series" ? (
            <p className="ok">
              ✓ {t("settings.imported_series")}: {imported.title} · {imported.characters} {t("casting.characters")} · {imported.episodes} {t("common.episode")}
            </p>
          ) : (
            <p className="ok">
              ✓ {t("settings.imported_settings")}: {imported.sections.length}
            </p>
          )}
          {imported.kind === "settings" && <DetailList t={t} label={`⚠ ${t("settings.import_warnings")}`} items={imported.warnings} />}
        </div>
      )}
      {settings?.restart_needed === true && <p className="warn" data-testid="restart-needed">{t("settings.at_start")}</p>}
      <p className="small">
        {t("settings.data_dir")}: <code>{String(settings?.data_dir ?? "")}</code>
      </p>
      <h2>{t("settings.alerts")}</h2>
      <p className="small help">{t("settings.alerts_intro")}</p>
      <SettingsForm
        ctx={ctx}
        testid="form-alerts"
        fields={[
          ...(["slack", "discord", "telegram", "email", "webhook"] as const).map(
            (c): FieldSpec => ({ key: `alerts.${c}_level`, value: al?.[`${c}_level`], kind: "choice", choices: ROUTES, choiceWords: "alerts.route" }),
          ),
          { key: "alerts.telegram_chat_id", value: al?.telegram_chat_id, kind: "text" },
          { key: "alerts.email_to", value: al?.email_to, kind: "text" },
          { key: "alerts.email_from", value: al?.email_from, kind: "text" },
          { key: "alerts.smtp_host", value: al?.smtp_host, kind: "text" },
          { key: "alerts.smtp_port", value: al?.smtp_port, kind: "count" },
          { key: "alerts.smtp_user", value: al?.smtp_user, kind: "text" },
          { key: "alerts.smtp_security", value: al?.smtp_security, kind: "choice", choices: ["starttls", "tls", "none"], choiceWords: "alerts.security" },
        ]}
        onSaved={load}
      />
      <TestAlert ctx={ctx} />
      <h2>{t("settings.channels")}</h2>
      <ConnectChannel ctx={ctx} clientId={yt?.client_id ?? ""} />
      <ul data-testid="channels">
        {channels.length === 0 && <li className="small">{t("common.none")}</li>}
        {channels.map((c) => (
          <li key={c.id}>
            {c.name} — {c.state === "connected" ? t("settings.channel_connected") : c.state === "reconnect_needed" ? t("settings.channel_reconnect") : c.state}
          </li>
        ))}
      </ul>
    </section>
  );
}

type FieldKind = "money" | "count" | "text" | "choice" | "window" | "zone" | "times";
interface FieldSpec {
  key: SettingKey;
  value: unknown;
  kind: FieldKind;
  choices?: string[];
  /** Where the choices' words are when several fields share them (`alerts.route` → `alerts.route.warning`);
   * else `setting.<key>.<choice>`. */
  choiceWords?: string;
}

/** A few settings edited in place, each with its label and help; checked as typed, then saved to config.toml and
 * validated as a whole by the engine (its complaint shown on the field it names). */
function SettingsForm({ ctx, fields, onSaved, testid }: { ctx: Ctx; fields: FieldSpec[]; onSaved: () => void; testid: string }) {
  const { t } = ctx;
  const [values, setValues] = useState<Record<string, string>>({});
  const [note, setNote] = useState<string | null>(null);
  const act = useAction();
  const current = (f: FieldSpec) => values[f.key] ?? (f.value === undefined || f.value === null ? "" : String(f.value));
  const loaded = (f: FieldSpec) => (f.value === undefined || f.value === null ? "" : String(f.value));
  // Only what the creator changed is checked and sent.
  const edited = fields.filter((f) => f.key in values && values[f.key] !== loaded(f));
  // Checked with every field's current value (a budget against the cap as it stands), reported on edited fields;
  // stored values the creator did not touch are the engine's to judge.
  const all = settingProblems(Object.fromEntries(fields.map((f) => [f.key, current(f)])));
  const problems: typeof all = {};
  for (const f of edited) if (all[f.key]) problems[f.key] = all[f.key];
  if (edited.some((f) => f.key === "visuals.hard_cap_usd") && all["visuals.budget_per_episode_usd"] === "settings.err_budget_over_cap")
    problems["visuals.hard_cap_usd"] = "settings.err_budget_over_cap";
  // The engine names the key it refused (`config.toml: visuals.hard_cap_usd: …`): that field shows it.
  const engineField = act.error ? fields.find((f) => act.error?.message.includes(`${f.key}:`))?.key : undefined;
  return (
    <form
      className="grid-form"
      data-testid={testid}
      onSubmit={(e) => {
        e.preventDefault();
        const changes: Record<string, unknown> = {};
        for (const f of edited) {
          const raw = values[f.key];
          changes[f.key] =
            f.kind === "money" || f.kind === "count"
              ? Number(raw)
              : f.kind === "times"
                ? raw
                    .split(",")
                    .map((s) => s.trim())
                    .filter(Boolean)
                : raw;
        }
        act.run(() => ctx.api.settings_set({ changes })).then((r) => {
          if (r) {
            setNote(r.changed.length === 0 ? t("settings.unchanged") : r.at_start.length > 0 ? t("settings.at_start") : t("settings.applied"));
            setValues({});
            onSaved();
          }
        });
      }}
    >
      {fields.map((f) => {
        const problem = problems[f.key];
        return (
          <label key={f.key} className="field" data-field={f.key}>
            <span>{t(`setting.${f.key}` as Key)}</span>
            {f.kind === "choice" ? (
              <select
                value={current(f)}
                onChange={(e) => {
                  setNote(null);
                  setValues({ ...values, [f.key]: e.target.value });
                }}
              >
                {(f.choices ?? []).map((c) => (
                  <option key={c} value={c}>
                    {t((f.choiceWords ? `${f.choiceWords}.${c}` : `setting.${f.key}.${c}`) as Key)}
                  </option>
                ))}
              </select>
            ) : (
              <input
                type={f.kind === "money" || f.kind === "count" ? "number" : "text"}
                step={f.kind === "money" ? "0.01" : f.kind === "count" ? "1" : undefined}
                min={f.kind === "money" || f.kind === "count" ? 0 : undefined}
                aria-invalid={!!problem}
                value={current(f)}
                onChange={(e) => {
                  setNote(null);
                  setValues({ ...values, [f.key]: e.target.value });
                }}
              />
            )}
            <span className="tiny help">{t(`setting.${f.key}.help` as Key)}</span>
            {problem && (
              <span className="field-error" data-testid="field-error">
                {t(problem)}
              </span>
            )}
            {engineField === f.key && (
              <span className="field-error" data-testid="field-error">
                {t("settings.refused")}
              </span>
            )}
          </label>
        );
      })}
      <button type="submit" disabled={act.busy || edited.length === 0 || Object.keys(problems).length > 0}>
        {t("settings.apply")}
      </button>
      {note && (
        <span className="ok small" role="status" data-testid="form-note">
          {note}
        </span>
      )}
      <ErrorBox error={act.error} t={t} />
    </form>
  );
}

/** One API key: whether it is set (never its value) and "test connection" with what the test found. */
function KeyRow({ ctx, k }: { ctx: Ctx; k: SecretStatus }) {
  const { t } = ctx;
  const act = useAction();
  const [found, setFound] = useState<KeyTestReport | null>(null);
  const said = (r: KeyTestReport): { key: Key; ok: boolean } => {
    if (!r.result) return { key: "key.none", ok: false };
    switch (r.result.kind) {
      case "accepted":
        return { key: "key.accepted", ok: true };
      case "rejected":
        return { key: "key.rejected", ok: false };
      case "unreachable":
        return { key: "key.unreachable", ok: false };
      case "unclear":
        return { key: "key.unclear", ok: false };
      case "not_testable":
        return { key: "key.not_testable", ok: false };
    }
  };
  // YouTube connects by signing in; the alert channels are tested by sending a test alert (below).
  const testable = !["youtube", "webhook", "slack", "discord", "telegram", "smtp"].includes(k.provider);
  return (
    <tr data-testid={`key-${k.provider}`}>
      <td>{keyNameLabel(t, k.provider)}</td>
      <td>{k.configured ? `✓ ${t("settings.configured")}${k.source ? ` (${t(k.source === "env" ? "settings.source_env" : "settings.source_keyring")})` : ""}` : t("settings.missing")}</td>
      <td>
        {k.configured && testable && (
          <button data-testid={`test-${k.provider}`} disabled={act.busy} onClick={() => act.run(() => ctx.api.secret_test({ provider: k.provider })).then((r) => r && setFound(r))}>
            {t("settings.test")}
          </button>
        )}
        {found && (
          <span className={`small ${said(found).ok ? "ok" : "warn"}`} role="status" data-testid={`test-result-${k.provider}`} data-kind={found.result?.kind ?? "none"}>
            {said(found).key === "key.accepted" ? "✓ " : "✗ "}
            {t(said(found).key)}
          </span>
        )}
        <ErrorBox error={act.error} t={t} />
      </td>
    </tr>
  );
}

const ROUTES: AlertRoute[] = ["off", "critical", "warning", "all"];

/** "Send a test alert": what became of it on each channel, a failure's own answer under technical details. */
function TestAlert({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const act = useAction();
  const [sent, setSent] = useState<AlertDelivery[] | null>(null);
  // What became of it, in words: what is missing for a channel not set up, why one failed.
  const word = (d: AlertDelivery): string => {
    switch (d.sent.kind) {
      case "sent":
        return t("alerts.sent");
      case "not_routed":
        return t("alerts.off");
      case "not_set_up":
        return `${t("alerts.not_set_up")}: ${d.sent.missing.map((m) => t(`alerts.missing.${m}` as Key)).join(", ")}`;
      case "failed":
        return t(`alerts.failed.${d.sent.cause}` as Key);
    }
  };
  return (
    <div>
      <button data-testid="test-alert" disabled={act.busy} onClick={() => act.run(() => ctx.api.alerts_test()).then((r) => r && setSent(r))}>
        {t("alerts.test")}
      </button>
      {sent && (
        <ul className="small" data-testid="test-alert-result">
          {sent.map((d) => (
            <li key={d.channel} data-channel={d.channel} data-kind={d.sent.kind} className={d.sent.kind === "sent" ? "ok" : d.sent.kind === "failed" ? "warn" : undefined}>
              {d.sent.kind === "sent" ? "✓ " : d.sent.kind === "failed" ? "✗ " : "· "}
              {t(`alerts.channel.${d.channel}` as Key)}: {word(d)}
              {d.sent.kind === "failed" && (
                <details className="detail" data-detail>
                  <summary>{t("common.details")}</summary>
                  <code>{d.sent.reason}</code>
                </details>
              )}
            </li>
          ))}
        </ul>
      )}
      <ErrorBox error={act.error} t={t} />
    </div>
  );
}

/** "Connect a YouTube channel": Google sign-in in the browser; asks for the OAuth client id first. */
function ConnectChannel({ ctx, clientId }: { ctx: Ctx; clientId: string }) {
  const { t } = ctx;
  const act = useAction();
  return (
    <div>
      <button
        data-testid="connect-channel"
        disabled={act.busy || clientId === ""}
        onClick={() =>
          act.run(() => ctx.api.channel_connect()).then((r) => {
            if (r) window.open(r.url, "_blank", "noopener");
          })
        }
      >
        {t("settings.connect")}
      </button>
      {clientId === "" && <span className="small help"> {t("settings.client_id_first")}</span>}
      <ErrorBox error={act.error} t={t} />
    </div>
  );
}
