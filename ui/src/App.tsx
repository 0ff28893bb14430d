import { useEffect, useMemo, useState } from "react";
import { client as api } from "./bindings/client";
import type { EngineEvent } from "./bindings/EngineEvent";
import { translator, type Lang } from "./i18n";
import { alertLabel } from "./labels";
import { Casting, Dashboard, Feedback, Planner, Priority, Production, Review, Script, Settings, type Ctx } from "./screens";
import type { Transport } from "./transport";
import "./style.css";

const SCREENS = ["dashboard", "planner", "casting", "script", "priority", "production", "review", "feedback", "settings"] as const;
type Screen = (typeof SCREENS)[number];

function fromHash(): Screen {
  const h = (typeof location !== "undefined" ? location.hash : "").replace(/^#\/?/, "");
  return (SCREENS as readonly string[]).includes(h) ? (h as Screen) : "planner";
}

export function App({
  transport,
  origin,
  subscribe,
}: {
  transport: Transport;
  origin: string;
  subscribe: (on: (e: EngineEvent) => void) => () => void;
}) {
  const [lang, setLang] = useState<Lang>(() => (localStorage.getItem("aidas.lang") as Lang) || "ko");
  const [screen, setScreen] = useState<Screen>(fromHash);
  const [series, setSeries] = useState<string | null>(() => localStorage.getItem("aidas.series"));
  const [episode, setEpisode] = useState(1);
  const [events, setEvents] = useState<EngineEvent[]>([]);
  const [timeZone, setTimeZone] = useState<string | undefined>(undefined);
  const [titles, setTitles] = useState<Record<string, string>>({});
  const t = useMemo(() => translator(lang), [lang]);
  const client = useMemo(() => api(transport), [transport]);

  useEffect(() => {
    const on = () => setScreen(fromHash());
    window.addEventListener("hashchange", on);
    return () => window.removeEventListener("hashchange", on);
  }, []);
  useEffect(() => subscribe((e) => setEvents((old) => [...old.slice(-199), e])), [subscribe]);
  // The page's language follows the creator's choice (screen readers pick their voice from it), and so does its title.
  useEffect(() => {
    document.documentElement.lang = lang;
    document.title = t("app.name");
  }, [lang, t]);
  // The creator's time zone and the series' titles, for every screen (titles again when a series is added).
  useEffect(() => {
    client.settings_get().then((s) => setTimeZone(s.production.time_zone || undefined)).catch(() => undefined);
  }, [client]);
  const seriesEvents = events.filter((e) => e.type === "series_imported").length;
  useEffect(() => {
    client
      .series_list()
      .then((l) => setTitles(Object.fromEntries(l.map((s) => [s.id, s.title]))))
      .catch(() => undefined);
  }, [client, seriesEvents, series]);

  const ctx: Ctx = {
    api: client,
    t,
    lang,
    timeZone,
    seriesTitle: (id) => titles[id] ?? id,
    series,
    setSeries: (id) => {
      localStorage.setItem("aidas.series", id);
      setSeries(id);
    },
    episode,
    setEpisode,
    events,
    mediaUrl: (p) => (p.startsWith("http") ? p : `${origin}${p}`),
  };
  type Alert = Extract<EngineEvent, { type: "alert" }>;
  const alertKey = (a: Alert) => `${JSON.stringify(a.about)}|${a.message}`;
  // The last three different alerts (the same one raised again shows once).
  const [dismissed, setDismissed] = useState<string[]>([]);
  const alerts = [...new Map((events.filter((e) => e.type === "alert") as Alert[]).map((a) => [alertKey(a), a])).values()]
    .filter((a) => !dismissed.includes(alertKey(a)))
    .slice(-3);
  // News (an episode ready for review, a channel connected) goes away by itself after a while; warnings stay until
  // dismissed. The live log on the Production screen keeps both.
  const news = alerts.filter((a) => a.level === "info").map(alertKey).join("\n");
  useEffect(() => {
    if (!news) return;
    const keys = news.split("\n");
    const id = setTimeout(() => setDismissed((d) => [...d, ...keys.filter((k) => !d.includes(k))]), 20_000);
    return () => clearTimeout(id);
  }, [news]);
  return (
    <div className="app" lang={lang}>
      <header>
        <h1>{t("app.name")}</h1>
        <span className="small">{t("app.tagline")}</span>
        <nav>
          {SCREENS.map((s) => (
            <a key={s} href={`#/${s}`} className={s === screen ? "active" : ""} aria-current={s === screen ? "page" : undefined} data-testid={`nav-${s}`}>
              {t(`nav.${s}`)}
            </a>
          ))}
        </nav>
        <button className="lang" onClick={() => {
          const next: Lang = lang === "ko" ? "en" : "ko";
          localStorage.setItem("aidas.lang", next);
          setLang(next);
        }}>
          {lang === "ko" ? "English" : "한국어"}
        </button>
      </header>
      {alerts.length > 0 && (
        <div className="alerts" role="status" aria-live="polite">
          {alerts.map((a) => (
            <div key={alertKey(a)}>
              {a.level === "info" ? "ℹ" : "⚠"} {alertLabel(t, a.about, ctx.seriesTitle)}
              <details className="detail" data-detail>
                <summary>{t("common.details")}</summary>
                {a.message}
              </details>
              <button className="small" onClick={() => setDismissed((d) => [...d, alertKey(a)])}>
                {t("common.dismiss")}
              </button>
            </div>
          ))}
        </div>
      )}
      <main>
        {screen === "dashboard" && <Dashboard ctx={ctx} go={(s) => (location.hash = `#/${s}`)} />}
        {screen === "planner" && <Planner ctx={ctx} />}
        {screen === "casting" && <Casting ctx={ctx} />}
        {screen === "script" && <Script ctx={ctx} />}
        {screen === "priority" && <Priority ctx={ctx} />}
        {screen === "production" && <Production ctx={ctx} />}
        {screen === "review" && <Review ctx={ctx} />}
        {screen === "feedback" && <Feedback ctx={ctx} go={(s) => (location.hash = `#/${s}`)} />}
        {screen === "settings" && <Settings ctx={ctx} />}
      </main>
    </div>
  );
}
