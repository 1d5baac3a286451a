import { html } from 'htm/preact';
import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import 'uplot/dist/uPlot.min.css';
import './style.css';
import { api, ApiError, live, saveToken, savedToken, type Role } from './api.js';
import { Alerts, Certificates, Config, Decisions, Findings, Inventory, Overview, Revocations } from './pages.js';

const PAGES = [
  { path: 'overview', label: 'Overview' },
  { path: 'inventory', label: 'Inventory' },
  { path: 'alerts', label: 'Alerts' },
  { path: 'decisions', label: 'Decisions' },
  { path: 'revocations', label: 'Revocations & keys' },
  { path: 'certificates', label: 'Certificates' },
  { path: 'findings', label: 'Findings' },
  { path: 'config', label: 'Config' },
] as const;

function currentPage(): string {
  const name = location.hash.replace(/^#\/?/, '');
  return PAGES.some((p) => p.path === name) ? name : 'overview';
}

const THEME_KEY = 'gatehouse-theme';
function applyTheme(theme: string): void {
  if (theme === 'light' || theme === 'dark') document.documentElement.dataset.theme = theme;
  else delete document.documentElement.dataset.theme;
}

function Login(props: { onLogin: (who: { id: string; role: Role }) => void; error?: string }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState(props.error);
  const submit = async (e: Event) => {
    e.preventDefault();
    saveToken(token.trim());
    try {
      props.onLogin(await api('GET', '/whoami'));
    } catch (err) {
      saveToken('');
      setError(err instanceof ApiError && err.status === 401 ? 'That token is not valid (unknown, revoked or mistyped).' : String(err instanceof Error ? err.message : err));
    }
  };
  return html`<main class="login">
    <h1>Gatehouse console</h1>
    <form onSubmit=${submit}>
      <label for="token">Admin token</label>
      <input id="token" name="token" type="password" autocomplete="off" required value=${token} onInput=${(e: Event) => setToken((e.target as HTMLInputElement).value)} />
      <p class="muted">Create one with <code>gatehouse admin-token create --role viewer</code>. It is kept in this tab only.</p>
      <button type="submit">Sign in</button>
      ${error !== undefined && html`<p class="error" role="alert">${error}</p>`}
    </form>
  </main>`;
}

function App() {
  const [who, setWho] = useState<{ id: string; role: Role } | undefined>(undefined);
  const [checking, setChecking] = useState(savedToken() !== '');
  const [page, setPage] = useState(currentPage());
  const [connected, setConnected] = useState(false);
  const [toast, setToast] = useState<string | undefined>(undefined);
  const [theme, setTheme] = useState(localStorage.getItem(THEME_KEY) ?? 'system');

  useEffect(() => {
    if (savedToken() === '') return;
    api('GET', '/whoami').then(setWho, () => saveToken('')).finally(() => setChecking(false));
  }, []);
  useEffect(() => {
    const onHash = () => {
      setPage(currentPage());
      // Focus moves to the new page's heading, so a keyboard or screen-reader user lands there.
      requestAnimationFrame(() => document.getElementById('page-title')?.focus());
    };
    addEventListener('hashchange', onHash);
    return () => removeEventListener('hashchange', onHash);
  }, []);
  useEffect(() => {
    if (who === undefined) return;
    live.onState = setConnected;
    live.start();
    const off = live.subscribe((e) => { if (e.type === 'alert') setToast(`New alert: ${String(e.data.summary ?? e.data.type)}`); });
    return () => { off(); live.stop(); };
  }, [who]);
  useEffect(() => { applyTheme(theme); localStorage.setItem(THEME_KEY, theme); }, [theme]);

  if (checking) return html`<p class="muted" role="status">Signing in…</p>`;
  if (who === undefined) return html`<${Login} onLogin=${setWho} />`;
  const signOut = () => { saveToken(''); live.stop(); setWho(undefined); };
  const body = page === 'inventory' ? html`<${Inventory} />`
    : page === 'alerts' ? html`<${Alerts} role=${who.role} />`
    : page === 'decisions' ? html`<${Decisions} />`
    : page === 'revocations' ? html`<${Revocations} role=${who.role} />`
    : page === 'certificates' ? html`<${Certificates} />`
    : page === 'findings' ? html`<${Findings} />`
    : page === 'config' ? html`<${Config} />`
    : html`<${Overview} />`;
  return html`
    <a class="skip" href="#main">Skip to content</a>
    <header class="top">
      <span class="brand">Gatehouse</span>
      <nav aria-label="Pages"><ul>${PAGES.map((p) => html`<li><a href=${`#/${p.path}`} aria-current=${page === p.path ? 'page' : undefined}>${p.label}</a></li>`)}</ul></nav>
      <div class="session">
        <span class=${connected ? 'live on' : 'live'} role="status" title="live updates">${connected ? '● live' : '○ offline'}</span>
        <label class="sr-only" for="theme">Theme</label>
        <select id="theme" value=${theme} onChange=${(e: Event) => setTheme((e.target as HTMLSelectElement).value)}>
          <option value="system">System theme</option><option value="light">Light</option><option value="dark">Dark</option>
        </select>
        <span class="muted" data-testid="role">${who.role}</span>
        <button type="button" onClick=${signOut}>Sign out</button>
      </div>
    </header>
    <div class="toast" role="status" aria-live="polite">${toast ?? ''}</div>
    <main id="main">${body}</main>`;
}

render(html`<${App} />`, document.getElementById('app') as HTMLElement);
