/**
 * The shell: sign-in gate, navigation (one link per page), global time range, auto-refresh, live
 * updates, theme and keyboard shortcuts. Pages are code-split so the first page loads only what
 * it needs.
 */
import { type ComponentType, Fragment } from 'preact';
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import { getApiKey, onApiKeyChange, onUnauthorized, setApiKey } from './api/client.js';
import { SignIn } from './components/SignIn.js';
import { TimePicker } from './components/TimePicker.js';
import { Loading } from './components/ui.js';
import { AppContext, type AppState } from './lib/context.js';
import { type LiveStatus, LiveStream } from './lib/live.js';
import { linkTo, navigate, onLinkClick, useLocation } from './lib/router.js';
import { parseDuration, resolveRange } from './lib/time.js';

type PageModule = { default: ComponentType<{ path: string; params: URLSearchParams }> };

interface Route {
  path: string;
  label: string;
  /** Second key of the "g <key>" shortcut. */
  key: string;
  load: () => Promise<PageModule>;
}

export const ROUTES: Route[] = [
  { path: '/', label: 'Overview', key: 'o', load: () => import('./pages/Overview.js') },
  { path: '/traces', label: 'Traces', key: 't', load: () => import('./pages/Traces.js') },
  { path: '/agents', label: 'Agents', key: 'a', load: () => import('./pages/Agents.js') },
  { path: '/models', label: 'Models', key: 'm', load: () => import('./pages/Models.js') },
  { path: '/cost', label: 'Cost', key: 'c', load: () => import('./pages/Cost.js') },
  { path: '/errors', label: 'Errors', key: 'e', load: () => import('./pages/Errors.js') },
  { path: '/system', label: 'System health', key: 'h', load: () => import('./pages/SystemHealth.js') },
  { path: '/alerts', label: 'Alerts', key: 'l', load: () => import('./pages/Alerts.js') },
  { path: '/anomalies', label: 'Anomalies', key: 'n', load: () => import('./pages/Anomalies.js') },
  { path: '/service-map', label: 'Service map', key: 's', load: () => import('./pages/ServiceMap.js') },
];

function matchRoute(path: string): Route | null {
  if (path === '/' || path === '') return ROUTES[0];
  return ROUTES.slice(1).find((r) => path === r.path || path.startsWith(`${r.path}/`)) ?? null;
}

const loaded = new Map<Route, PageModule>();
const loading = new Map<Route, Promise<PageModule>>();

/** Loads a page's chunk once; started at boot for the first page so it overlaps app start-up. */
function loadRoute(route: Route): Promise<PageModule> {
  let p = loading.get(route);
  if (!p) {
    p = route.load();
    p.catch(() => loading.delete(route));
    loading.set(route, p);
  }
  return p;
}

const initialRoute = matchRoute(window.location.pathname);
if (initialRoute) void loadRoute(initialRoute).catch(() => {});

function PageHost({ route, path, params }: { route: Route; path: string; params: URLSearchParams }) {
  const [mod, setMod] = useState<PageModule | undefined>(() => loaded.get(route));
  const [error, setError] = useState<Error | null>(null);
  useEffect(() => {
    const m = loaded.get(route);
    if (m) {
      setMod(m);
      return;
    }
    setMod(undefined);
    let live = true;
    loadRoute(route).then(
      (m) => {
        loaded.set(route, m);
        if (live) setMod(m);
      },
      (e: Error) => live && setError(e),
    );
    return () => {
      live = false;
    };
  }, [route]);
  if (error) return <div class="state error">Could not load this page: {error.message}. Reload to try again.</div>;
  if (!mod) return <Loading />;
  const Page = mod.default;
  return <Page path={path} params={params} />;
}

function initialTheme(): 'light' | 'dark' {
  const t = document.documentElement.dataset.theme;
  if (t === 'light' || t === 'dark') return t;
  return window.matchMedia?.('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

export function App() {
  const [key, setKey] = useState(getApiKey);
  const [signInReason, setSignInReason] = useState<string | undefined>();
  useEffect(() => onApiKeyChange(setKey), []);
  useEffect(
    () =>
      onUnauthorized(() => {
        setSignInReason('Your API key was not accepted. Sign in again.');
        setApiKey(null);
      }),
    [],
  );
  if (!key) return <SignIn reason={signInReason} />;
  return <Shell apiKey={key} />;
}

function Shell({ apiKey }: { apiKey: string }) {
  const loc = useLocation();
  const [tick, setTick] = useState(0);
  const [theme, setTheme] = useState(initialTheme);
  const [liveStatus, setLiveStatus] = useState<LiveStatus>('closed');
  const [liveSpans, setLiveSpans] = useState(0);
  const refreshParam = loc.params.get('refresh') ?? 'off';
  const rangeKey = `${loc.params.get('range')}|${loc.params.get('from')}|${loc.params.get('to')}`;
  // The range is re-resolved on every tick so relative windows slide forward with time.
  const range = useMemo(() => resolveRange(loc.params), [rangeKey, tick]);
  const refresh = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    document.documentElement.dataset.theme = theme;
    try {
      localStorage.setItem('vigil.theme', theme);
    } catch {
      // ignore
    }
  }, [theme]);

  // Auto-refresh timer.
  useEffect(() => {
    const ms = refreshParam === 'off' ? null : parseDuration(refreshParam);
    if (!ms) return;
    const t = setInterval(refresh, ms);
    return () => clearInterval(t);
  }, [refreshParam, refresh]);

  // Live updates: new spans, alerts and anomalies refresh views on a relative range, throttled.
  const relativeRef = useRef(range.relative !== null);
  relativeRef.current = range.relative !== null;
  useEffect(() => {
    const ls = new LiveStream(apiKey);
    let pending: ReturnType<typeof setTimeout> | null = null;
    let last = 0;
    const bump = () => {
      if (!relativeRef.current || pending) return;
      const wait = Math.max(0, last + 5000 - Date.now());
      pending = setTimeout(() => {
        pending = null;
        last = Date.now();
        refresh();
      }, wait);
    };
    ls.statusListeners.add(setLiveStatus);
    ls.listeners.add((type, data) => {
      if (type !== 'spans' && type !== 'alert' && type !== 'anomaly') return;
      if (type === 'spans') setLiveSpans((n) => n + ((data as { count?: number })?.count ?? 0));
      bump();
    });
    ls.start();
    return () => {
      if (pending) clearTimeout(pending);
      ls.stop();
    };
  }, [apiKey, refresh]);

  // Keyboard: "r" refresh, "/" search, "t" theme, "g" then a page key to go there, "?" help.
  const [showKeys, setShowKeys] = useState(false);
  useEffect(() => {
    let pendingG = 0;
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement;
      if (e.key === 'Escape') setShowKeys(false);
      if (e.metaKey || e.ctrlKey || e.altKey || t.closest('input, textarea, select, [contenteditable]')) return;
      if (Date.now() - pendingG < 1500) {
        pendingG = 0;
        const r = ROUTES.find((x) => x.key === e.key);
        if (r) navigate(r.path, new URL(linkTo(r.path), window.location.origin).searchParams);
        return;
      }
      if (e.key === 'g') pendingG = Date.now();
      else if (e.key === 'r') refresh();
      else if (e.key === 't') setTheme((x) => (x === 'dark' ? 'light' : 'dark'));
      else if (e.key === '?') setShowKeys((v) => !v);
      else if (e.key === '/') {
        const el = document.querySelector<HTMLInputElement>('[data-search]');
        if (el) {
          e.preventDefault();
          el.focus();
        }
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [refresh]);

  const route = matchRoute(loc.path);
  useEffect(() => {
    document.title = route ? `${route.label} · Vigil` : 'Not found · Vigil';
  }, [route]);

  const state: AppState = { range, tick, refresh, theme };
  return (
    <AppContext.Provider value={state}>
      {/* biome-ignore lint/a11y/noStaticElementInteractions: delegates clicks on the <a> links inside */}
      {/* biome-ignore lint/a11y/useKeyWithClickEvents: links stay keyboard-activated natively */}
      <div class="shell" onClick={onLinkClick}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <nav class="sidebar" aria-label="Main">
          <a class="brand" href={linkTo('/')}>
            <span class="logo" aria-hidden="true" /> Vigil
          </a>
          <ul>
            {ROUTES.map((r) => (
              <li key={r.path}>
                <a href={linkTo(r.path)} aria-current={route === r ? 'page' : undefined}>
                  {r.label}
                </a>
              </li>
            ))}
          </ul>
          <div class="sidebar-foot">
            <button type="button" class="ghost" onClick={() => setTheme(theme === 'dark' ? 'light' : 'dark')}>
              {theme === 'dark' ? 'Light theme' : 'Dark theme'}
            </button>
            <button type="button" class="ghost" onClick={() => setApiKey(null)}>
              Sign out
            </button>
          </div>
        </nav>
        <div class="main-col">
          <header class="topbar">
            <h1 class="page-title">{route?.label ?? 'Not found'}</h1>
            <div class="topbar-right">
              <span
                class={`live live-${liveStatus}`}
                title={`Live updates: ${liveStatus}. ${liveSpans} spans received this session.`}
                data-live-spans={liveSpans}
              >
                <span class="live-dot" aria-hidden="true" />
                {liveStatus === 'open' ? 'Live' : liveStatus === 'connecting' ? 'Connecting' : 'Offline'}
              </span>
              <TimePicker range={range} refresh={refreshParam} />
              <button type="button" onClick={refresh} title="Refresh (r)">
                Refresh
              </button>
              <button
                type="button"
                class="ghost"
                onClick={() => setShowKeys((v) => !v)}
                title="Keyboard shortcuts (?)"
                aria-label="Keyboard shortcuts"
              >
                ?
              </button>
            </div>
          </header>
          {showKeys && (
            <div class="keys-help" role="dialog" aria-label="Keyboard shortcuts">
              <div class="row">
                <strong>Keyboard shortcuts</strong>
                <span class="spacer" />
                <button type="button" class="ghost" onClick={() => setShowKeys(false)}>
                  Close
                </button>
              </div>
              <dl class="kv">
                <dt>r</dt>
                <dd>Refresh</dd>
                <dt>/</dt>
                <dd>Search (traces)</dd>
                <dt>t</dt>
                <dd>Light / dark theme</dd>
                {ROUTES.map((r) => (
                  <Fragment key={r.path}>
                    <dt>g {r.key}</dt>
                    <dd>{r.label}</dd>
                  </Fragment>
                ))}
                <dt>↑ ↓ ← → Home End</dt>
                <dd>Move in the trace waterfall</dd>
                <dt>Esc</dt>
                <dd>Close this help</dd>
              </dl>
            </div>
          )}
          <main id="main" class="content">
            {route ? (
              <PageHost route={route} path={loc.path} params={loc.params} />
            ) : (
              <div class="state empty">
                This page does not exist. <a href={linkTo('/')}>Go to the overview</a>.
              </div>
            )}
          </main>
        </div>
      </div>
    </AppContext.Provider>
  );
}
