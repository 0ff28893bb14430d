import { useEffect, useState } from "react";
import type { ChannelRow } from "../bindings/ChannelRow";
import type { SecretStatus } from "../bindings/SecretStatus";
import type { SettingsView } from "../bindings/SettingsView";
import { useAction, ErrorBox, type Ctx } from "./common";

// 7. Settings ------------------------------------------------------------------------------------------------------

export function Settings({ ctx }: { ctx: Ctx }) {
  const { t } = ctx;
  const [keys, setKeys] = useState<SecretStatus[]>([]);
  const [settings, setSettings] = useState<SettingsView | null>(null);
  const [channels, setChannels] = useState<ChannelRow[]>([]);
  const [provider, setProvider] = useState("fal");
  const [imported, setImported] = useState<string | null>(null);
  const [value, setValue] = useState("");
  const act = useAction();
  const load = () => {
    ctx.api.secrets_status().then(setKeys).catch(() => setKeys([]));
    ctx.api.settings_get().then(setSettings).catch(() => setSettings(null));
    ctx.api.channels_list().then(setChannels).catch(() => setChannels([]));
  };
  // eslint-disable-next-line react-hooks/exhaustive-deps
  useEffect(load, [ctx.api]);
  const prod = settings?.production;
  const vis = settings?.visuals;
  const yt = settings?.youtube;
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
          ["visuals.budget_per_episode_usd", vis?.budget_per_episode_usd, "number"],
          ["visuals.hard_cap_usd", vis?.hard_cap_usd, "number"],
          ["production.daily_cap_usd", prod?.daily_cap_usd, "number"],
          ["visuals.video_model", vis?.video_model, "text"],
          ["visuals.still_model", vis?.still_model, "text"],
        ]}
        onSaved={load}
      />
      <h2>{t("settings.plan")}</h2>
      <SettingsForm
        ctx={ctx}
        fields={[
          ["production.episodes_per_day", prod?.episodes_per_day, "number"],
          ["production.review", prod?.review, "text"],
          ["production.work_window", prod?.work_window, "text"],
          ["production.time_zone", prod?.time_zone, "text"],
          ["youtube.publish_times", yt?.publish_times.join(", "), "list"],
          ["youtube.publish_per_day", yt?.publish_per_day, "number"],
          ["youtube.daily_units", yt?.daily_units, "number"],
          ["youtube.uploads_per_day", yt?.uploads_per_day, "number"],
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
