import { html } from 'htm/preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import uPlot from 'uplot';
import { api, live, type Role } from './api.js';
import { fmtNum, fmtTime, lineDiff, Page, SortTable, Status, useAction, useApi, type Column } from './ui.js';

/* eslint-disable @typescript-eslint/no-explicit-any -- API answers are typed by the admin contract, checked server-side */

const may = (role: Role, needed: Role): boolean => ['viewer', 'operator', 'admin'].indexOf(role) >= ['viewer', 'operator', 'admin'].indexOf(needed);

/** Reloads when a live event of one of these types arrives. */
function useLive(types: readonly string[], reload: () => void): void {
  useEffect(() => live.subscribe((e) => { if (types.includes(e.type)) reload(); }), [reload]);
}

function Chart(props: { series: { t: number[]; allow: number[]; deny: number[] } }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el === null) return;
    const styles = getComputedStyle(document.documentElement);
    const plot = new uPlot({
      width: Math.max(320, el.clientWidth), height: 220,
      series: [{}, { label: 'allowed', stroke: styles.getPropertyValue('--ok').trim() || 'green', width: 2 }, { label: 'refused', stroke: styles.getPropertyValue('--bad').trim() || 'red', width: 2 }],
      axes: [{ stroke: styles.getPropertyValue('--fg').trim() }, { stroke: styles.getPropertyValue('--fg').trim() }],
    }, [props.series.t, props.series.allow, props.series.deny], el);
    return () => plot.destroy();
  }, [props.series]);
  return html`<figure class="chart"><div ref=${ref} role="img" aria-label="Identity decisions per minute over the last hour: allowed and refused"></div><figcaption class="muted">Identity decisions per minute, last hour</figcaption></figure>`;
}

export function Overview() {
  const { data, error, loading, reload } = useApi<any>('/overview');
  useLive(['alert', 'reload'], reload);
  return html`<${Page} title="Overview">
    <${Status} error=${error} loading=${loading && data === undefined} what="the overview" />
    ${data !== undefined && html`
      <div class="cards">
        <div class="card"><span class="label">Requests (24 h)</span><strong>${fmtNum(data.requests)}</strong></div>
        <div class="card"><span class="label">Refused (4xx)</span><strong>${fmtNum(data.refusals)}</strong></div>
        <div class="card"><span class="label">p50 latency</span><strong>${data.latencyMs.p50 === null ? '–' : `≤ ${data.latencyMs.p50} ms`}</strong></div>
        <div class="card"><span class="label">p99 latency</span><strong>${data.latencyMs.p99 === null ? '–' : `≤ ${data.latencyMs.p99} ms`}</strong></div>
        <div class="card"><span class="label">Alerts (24 h)</span><strong data-testid="open-alerts"><a href="#/alerts">${fmtNum(data.openAlerts)}</a></strong></div>
      </div>
      <${Chart} series=${data.series} />
      <div class="two">
        <div><h2>Refusals by code</h2>
          <${SortTable} label="Refusals by code" rowKey=${(r: [string, number]) => r[0]} initial="n" rows=${Object.entries(data.refusalsByCode)} columns=${[
            { key: 'code', label: 'Code', value: (r: [string, number]) => r[0] },
            { key: 'n', label: 'Count', numeric: true, value: (r: [string, number]) => r[1] },
          ]} /></div>
        <div><h2>Top callers</h2>
          <${SortTable} label="Top callers" rowKey=${(r: any) => r.identity} initial="count" rows=${data.topCallers} columns=${[
            { key: 'identity', label: 'Caller', value: (r: any) => r.identity },
            { key: 'count', label: 'Decisions', numeric: true, value: (r: any) => r.count },
          ]} /></div>
      </div>`}
  <//>`;
}

interface InvRow { key: string; api: string; method: string; path: string; operation: string; owner: string; count: number; errors: number; flags: string[]; lastSeen: string }

export function Inventory() {
  const { data, error, loading } = useApi<any>('/inventory');
  const [filter, setFilter] = useState('');
  const rows: InvRow[] = [];
  if (data !== undefined) {
    const shadow = new Set<string>();
    for (const op of data.operations as any[]) {
      const flags = [op.deprecated ? 'deprecated' : '', op.count === 0 ? 'unused' : '', op.owner === undefined ? 'no owner' : ''].filter((f) => f !== '');
      rows.push({ key: `${op.api} ${op.method} ${op.path}`, api: op.api, method: op.method, path: op.path, operation: op.operation, owner: op.owner ?? '', count: op.count, errors: op.errors, flags, lastSeen: op.lastSeen ?? '' });
    }
    for (const s of data.shadow as any[]) {
      const key = `${s.api} ${s.method} ${s.path} shadow`;
      if (shadow.has(key)) continue;
      shadow.add(key);
      rows.push({ key, api: s.api, method: s.method, path: s.path, operation: '', owner: '', count: s.count ?? 0, errors: s.errors ?? 0, flags: ['shadow'], lastSeen: s.lastSeen ?? '' });
    }
    for (const z of data.zombie as any[]) if (z.declared === false) rows.push({ key: `${z.api} ${z.method} ${z.path} zombie`, api: z.api, method: z.method, path: z.path, operation: '', owner: z.owner ?? '', count: z.count, errors: z.errors, flags: ['zombie'], lastSeen: z.lastSeen ?? '' });
    const zombies = new Set((data.zombie as any[]).filter((z) => z.declared !== false).map((z) => `${z.api} ${z.method} ${z.path}`));
    for (const r of rows) if (zombies.has(r.key)) r.flags.push('zombie');
  }
  const needle = filter.trim().toLowerCase();
  const shown = needle === '' ? rows : rows.filter((r) => `${r.api} ${r.method} ${r.path} ${r.operation} ${r.owner} ${r.flags.join(' ')}`.toLowerCase().includes(needle));
  const columns: Column<InvRow>[] = [
    { key: 'api', label: 'API', value: (r) => r.api },
    { key: 'method', label: 'Method', value: (r) => r.method },
    { key: 'path', label: 'Path', value: (r) => r.path, render: (r) => html`<code>${r.path}</code>` },
    { key: 'operation', label: 'Operation', value: (r) => r.operation },
    { key: 'owner', label: 'Owner', value: (r) => r.owner },
    { key: 'count', label: 'Requests', numeric: true, value: (r) => r.count },
    { key: 'errors', label: 'Errors', numeric: true, value: (r) => r.errors },
    { key: 'flags', label: 'Flags', value: (r) => r.flags.join(' '), render: (r) => r.flags.map((f) => html`<span class=${`badge badge-${f.replace(' ', '-')}`}>${f}</span> `) },
  ];
  return html`<${Page} title="Inventory">
    <${Status} error=${error} loading=${loading && data === undefined} what="the inventory" />
    ${data !== undefined && html`
      <p class="muted">${data.apis.length} API(s); ${data.operations.length} declared operations, ${data.shadow.length} shadow, ${data.zombie.length} zombie, ${data.unused.length} unused, ${data.drift.length} drift finding(s).</p>
      <label class="filter">Filter <input type="search" value=${filter} onInput=${(e: Event) => setFilter((e.target as HTMLInputElement).value)} placeholder="path, owner, shadow…" /></label>
      <${SortTable} label="Operations, declared and observed" rows=${shown} columns=${columns} rowKey=${(r: InvRow) => r.key} />
      <h2>Observed against declared</h2>
      <ul class="diff-list">
        ${(data.shadow as any[]).map((s) => html`<li><span class="diff-add">+ observed, not declared</span> <code>${s.method} ${s.path}</code> (${s.api})</li>`)}
        ${(data.unused as any[]).map((u) => html`<li><span class="diff-del">− declared, never called</span> <code>${u.method} ${u.path}</code> (${u.api})</li>`)}
        ${(data.drift as any[]).map((d) => html`<li><span class="diff-chg">~ undeclared ${d.location} field</span> <code>${d.field}</code> (${d.type}) in ${d.api}/${d.operation}${d.status === undefined ? '' : ` ${d.status as string}`}</li>`)}
      </ul>
      <h2>Sensitive fields</h2>
      ${(data.sensitive as any[]).length === 0 ? html`<p class="muted">No sensitive fields observed.</p>` : html`<ul>${(data.sensitive as any[]).map((s) => html`<li><code>${s.api} ${s.method} ${s.path}</code> ${s.location} <code>${s.field}</code> <span class="badge">${s.category}</span></li>`)}</ul>`}`}
  <//>`;
}

/** The runbook of an alert type, fetched when opened. */
function Runbook(props: { type: string; link: string }) {
  const [text, setText] = useState<string | undefined>(undefined);
  const name = props.type.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
  const toggle = (e: Event) => {
    if ((e.target as HTMLDetailsElement).open && text === undefined) {
      api<{ text: string }>('GET', `/runbooks/${name}`).then((r) => setText(r.text), () => setText(`No runbook shipped for ${props.type}; see ${props.link}`));
    }
  };
  return html`<details class="runbook" onToggle=${toggle}><summary>Runbook: ${name}</summary>
    <pre class="code" tabindex="0">${text ?? 'Loading…'}</pre></details>`;
}

export function Alerts(props: { role: Role }) {
  const { data, error, loading, reload } = useApi<{ items: any[] }>('/alerts');
  useLive(['alert'], reload);
  const { run, message } = useAction();
  const act = (id: string, what: 'acknowledge' | 'resolve') => run(`${what} alert`, () => api('POST', `/alerts/${id}/${what}`, {})).then(reload);
  return html`<${Page} title="Alerts">
    ${message}
    <${Status} error=${error} loading=${loading && data === undefined} empty=${data?.items.length === 0} what="alerts" />
    <ul class="alerts">${(data?.items ?? []).map((a) => html`<li key=${a.id} class=${`alert sev-${a.severity}`} data-alert=${a.id}>
      <div class="alert-head"><span class="badge">${a.severity}</span> <strong>${a.type}</strong> <span class="muted">${fmtTime(a.ts)}</span> <span class=${`state state-${a.state}`}>${a.state}</span></div>
      <p>${a.summary}</p>
      ${Array.isArray(a.evidence?.reasons) && html`<ul class="reasons">${(a.evidence.reasons as string[]).map((r) => html`<li>${r}</li>`)}</ul>`}
      <p class="muted">Subject <code>${a.subject?.value}</code>${a.operation === undefined ? '' : html` · operation <code>${a.api}/${a.operation}</code>`}${a.response === undefined ? '' : html` · response: ${a.response}`}${a.stateBy === undefined ? '' : html` · ${a.state} by ${a.stateBy}`}</p>
      <${Runbook} type=${a.type} link=${a.runbook} />
      ${may(props.role, 'operator') && a.state !== 'resolved' && html`<div class="actions">
        ${a.state === 'open' && html`<button type="button" onClick=${() => act(a.id, 'acknowledge')}>Acknowledge</button>`}
        <button type="button" onClick=${() => act(a.id, 'resolve')}>Resolve</button>
        ${a.subject?.ip !== undefined && html`<button type="button" class="danger" onClick=${() => run(`block ${a.subject.ip as string}`, () => api('POST', '/revocations', { kind: 'ip', value: a.subject.ip, reason: `alert ${a.id as string}`, forSeconds: 3600 }))}>Block ${a.subject.ip} for 1 h</button>`}
      </div>`}
    </li>`)}</ul>
  <//>`;
}

export function Decisions() {
  const [form, setForm] = useState({ identity: '', operation: '', api: '', decision: '', since: '24h' });
  const [query, setQuery] = useState('?limit=100&since=24h');
  const { data, error, loading } = useApi<{ items: any[]; next?: string }>(`/decisions${query}`);
  const [more, setMore] = useState<any[]>([]);
  const [next, setNext] = useState<string | undefined>(undefined);
  useEffect(() => { setMore([]); setNext(data?.next); }, [data]);
  const submit = (e: Event) => {
    e.preventDefault();
    const p = new URLSearchParams({ limit: '100' });
    for (const [k, v] of Object.entries(form)) if (v !== '') p.set(k, v);
    setQuery(`?${p.toString()}`);
  };
  const loadMore = async () => {
    if (next === undefined) return;
    const page = await api<{ items: any[]; next?: string }>('GET', `/decisions${query}&before=${next}`);
    setMore((m) => [...m, ...page.items]);
    setNext(page.next);
  };
  const field = (name: keyof typeof form, label: string) => html`<label>${label} <input name=${name} value=${form[name]} onInput=${(e: Event) => setForm({ ...form, [name]: (e.target as HTMLInputElement).value })} /></label>`;
  const items = [...(data?.items ?? []), ...more];
  return html`<${Page} title="Decisions">
    <form class="search" onSubmit=${submit} role="search" aria-label="Search decisions">
      ${field('identity', 'Identity')} ${field('operation', 'Operation')} ${field('api', 'API')}
      <label>Decision <select name="decision" value=${form.decision} onChange=${(e: Event) => setForm({ ...form, decision: (e.target as HTMLSelectElement).value })}>
        <option value="">any</option><option value="allow">allow</option><option value="deny">deny</option></select></label>
      ${field('since', 'Since')}
      <button type="submit">Search</button>
    </form>
    <${Status} error=${error} loading=${loading && data === undefined} empty=${items.length === 0} what="decisions" />
    ${items.length > 0 && html`<${SortTable} label="Decisions, newest first" rows=${items} rowKey=${(r: any) => `${r.requestId as string}${r.at as string}${r.policy as string}${r.operation as string}`} columns=${[
      { key: 'at', label: 'Time', value: (r: any) => r.at },
      { key: 'decision', label: 'Decision', value: (r: any) => r.decision, render: (r: any) => html`<span class=${`badge badge-${r.decision as string}`}>${r.decision}${r.mode === 'monitor' ? ' (monitor)' : ''}</span>` },
      { key: 'identity', label: 'Identity', value: (r: any) => `${r.kind as string}:${r.identity as string}` },
      { key: 'operation', label: 'Operation', value: (r: any) => `${r.api as string}/${r.operation as string}` },
      { key: 'rule', label: 'Rule', value: (r: any) => `${r.policy as string} ${r.rule as string}` },
      { key: 'reason', label: 'Reason', value: (r: any) => r.reason },
    ] as Column<any>[]} />`}
    ${next !== undefined && html`<button type="button" onClick=${loadMore}>Load more</button>`}
  <//>`;
}

export function Revocations(props: { role: Role }) {
  const { data, error, loading, reload } = useApi<{ items: any[] }>('/revocations');
  useLive(['revocation'], reload);
  const keys = useApi<{ items: any[] }>('/keys');
  const { run, message } = useAction();
  const [form, setForm] = useState({ kind: 'ip', value: '', reason: '', minutes: '60' });
  const [issued, setIssued] = useState<string | undefined>(undefined);
  const [keyName, setKeyName] = useState('');
  const block = async (e: Event) => {
    e.preventDefault();
    const minutes = Number(form.minutes);
    const ok = await run(`block ${form.kind} ${form.value}`, () => api('POST', '/revocations', { kind: form.kind, value: form.value, ...(form.reason === '' ? {} : { reason: form.reason }), ...(minutes > 0 ? { forSeconds: minutes * 60 } : {}) }));
    if (ok) { setForm({ ...form, value: '', reason: '' }); reload(); }
  };
  const lift = (r: any) => run(`unblock ${r.kind as string} ${r.value as string}`, () => api('DELETE', `/revocations?kind=${encodeURIComponent(r.kind)}&value=${encodeURIComponent(r.value)}`)).then(reload);
  const createKey = async (e: Event) => {
    e.preventDefault();
    let key: string | undefined;
    if (await run(`create key ${keyName}`, async () => { key = (await api<{ key: string }>('POST', '/keys', { name: keyName })).key; })) { setIssued(key); setKeyName(''); keys.reload(); }
  };
  const operator = may(props.role, 'operator');
  const admin = may(props.role, 'admin');
  return html`<${Page} title="Revocations and keys">
    ${message}
    ${operator && html`<form class="search" onSubmit=${block} aria-label="Block or revoke">
      <label>Kind <select value=${form.kind} onChange=${(e: Event) => setForm({ ...form, kind: (e.target as HTMLSelectElement).value })}>
        <option value="ip">ip</option><option value="subject">subject</option><option value="credential">credential (key id)</option><option value="jti">jti</option></select></label>
      <label>Value <input required value=${form.value} onInput=${(e: Event) => setForm({ ...form, value: (e.target as HTMLInputElement).value })} /></label>
      <label>Reason <input value=${form.reason} onInput=${(e: Event) => setForm({ ...form, reason: (e.target as HTMLInputElement).value })} /></label>
      <label>Minutes (0: until lifted) <input type="number" min="0" value=${form.minutes} onInput=${(e: Event) => setForm({ ...form, minutes: (e.target as HTMLInputElement).value })} /></label>
      <button type="submit" class="danger">Block</button>
    </form>`}
    <h2>Revocations and blocks</h2>
    <${Status} error=${error} loading=${loading && data === undefined} empty=${data?.items.length === 0} what="revocations" />
    ${(data?.items.length ?? 0) > 0 && html`<${SortTable} label="Live revocations" rows=${data?.items ?? []} rowKey=${(r: any) => `${r.kind as string}:${r.value as string}`} columns=${[
      { key: 'kind', label: 'Kind', value: (r: any) => r.kind },
      { key: 'value', label: 'Value', value: (r: any) => r.value, render: (r: any) => html`<code>${r.value}</code>` },
      { key: 'action', label: 'Action', value: (r: any) => r.action === 'throttle' ? `throttle ${r.perMinute as number}/min` : 'block' },
      { key: 'until', label: 'Until', value: (r: any) => r.expiresAt === undefined ? 'lifted' : fmtTime(r.expiresAt) },
      { key: 'by', label: 'By', value: (r: any) => r.by },
      { key: 'reason', label: 'Reason', value: (r: any) => r.reason },
      ...(operator ? [{ key: 'lift', label: 'Action', value: () => '', render: (r: any) => html`<button type="button" onClick=${() => lift(r)} aria-label=${`Unblock ${r.kind as string} ${r.value as string}`}>Unblock</button>` }] : []),
    ] as Column<any>[]} />`}
    <h2>API keys</h2>
    ${admin && html`<form class="search" onSubmit=${createKey} aria-label="Create an API key">
      <label>Name <input required value=${keyName} onInput=${(e: Event) => setKeyName((e.target as HTMLInputElement).value)} /></label>
      <button type="submit">Create key</button>
    </form>`}
    ${issued !== undefined && html`<p class="issued" role="status">New key (shown once, copy it now): <code>${issued}</code></p>`}
    <${Status} error=${keys.error} loading=${keys.loading && keys.data === undefined} empty=${keys.data?.items.length === 0} what="API keys" />
    ${(keys.data?.items.length ?? 0) > 0 && html`<${SortTable} label="API keys" rows=${keys.data?.items ?? []} rowKey=${(r: any) => r.id} columns=${[
      { key: 'id', label: 'Id', value: (r: any) => r.id, render: (r: any) => html`<code>${r.id}</code>` },
      { key: 'name', label: 'Name', value: (r: any) => r.name },
      { key: 'status', label: 'Status', value: (r: any) => r.status },
      { key: 'scopes', label: 'Scopes', value: (r: any) => (r.scopes ?? []).join(' ') },
      { key: 'created', label: 'Created', value: (r: any) => fmtTime(r.createdAt) },
      { key: 'expires', label: 'Expires', value: (r: any) => fmtTime(r.expiresAt) },
      ...(admin ? [{ key: 'revoke', label: 'Action', value: () => '', render: (r: any) => r.status === 'active' && html`<button type="button" class="danger" onClick=${() => run(`revoke key ${r.id as string}`, () => api('POST', `/keys/${r.id as string}/revoke`)).then(keys.reload)}>Revoke</button>` }] : []),
    ] as Column<any>[]} />`}
  <//>`;
}

export function Certificates() {
  const { data, error, loading } = useApi<{ items: any[] }>('/certificates');
  return html`<${Page} title="Certificates">
    <${Status} error=${error} loading=${loading && data === undefined} empty=${data?.items.length === 0} what="certificates in use" />
    ${(data?.items.length ?? 0) > 0 && html`<${SortTable} label="Certificates in use" initial="days" rows=${data?.items ?? []} rowKey=${(r: any) => `${r.file as string}${r.subject as string}`} columns=${[
      { key: 'use', label: 'Use', value: (r: any) => r.use },
      { key: 'subject', label: 'Subject', value: (r: any) => r.subject },
      { key: 'file', label: 'File', value: (r: any) => r.file },
      { key: 'notAfter', label: 'Expires', value: (r: any) => r.notAfter },
      { key: 'days', label: 'Days left', numeric: true, value: (r: any) => r.daysLeft, render: (r: any) => html`<span class=${r.daysLeft < 30 ? 'error' : ''}>${r.daysLeft}</span>` },
    ] as Column<any>[]} />`}
  <//>`;
}

export function Config() {
  const serving = useApi<any>('/config');
  const history = useApi<{ items: any[] }>('/config/reloads?limit=50');
  useLive(['reload'], history.reload);
  useLive(['reload'], serving.reload);
  const loaded = (history.data?.items ?? []).filter((v) => v.ok === true && typeof v.text === 'string');
  const [newer, older] = [loaded[0], loaded.find((v) => v.sha256 !== loaded[0]?.sha256)];
  return html`<${Page} title="Configuration">
    <${Status} error=${serving.error} loading=${serving.loading && serving.data === undefined} what="the configuration" />
    ${serving.data !== undefined && html`<dl class="facts">
      <dt>Version</dt><dd>${serving.data.version}</dd>
      <dt>sha256</dt><dd><code data-testid="config-sha">${serving.data.sha256}</code></dd>
      <dt>Loaded</dt><dd>${fmtTime(serving.data.at)} on ${serving.data.instance}</dd>
    </dl>
    <details><summary>Serving configuration (secrets masked)</summary><pre class="code" tabindex="0">${serving.data.text}</pre></details>`}
    <h2>Reload history</h2>
    <${Status} error=${history.error} loading=${history.loading && history.data === undefined} empty=${history.data?.items.length === 0} what="reloads" />
    ${(history.data?.items.length ?? 0) > 0 && html`<${SortTable} label="Reload history, newest first" initial="at" rows=${history.data?.items ?? []} rowKey=${(r: any) => `${r.at as number}${r.instance as string}`} columns=${[
      { key: 'at', label: 'Time', numeric: true, value: (r: any) => r.at, render: (r: any) => fmtTime(r.at) },
      { key: 'ok', label: 'Result', value: (r: any) => r.ok ? 'loaded' : 'refused', render: (r: any) => html`<span class=${`badge badge-${r.ok === true ? 'allow' : 'deny'}`}>${r.ok === true ? 'loaded' : 'refused'}</span>` },
      { key: 'instance', label: 'Gateway', value: (r: any) => r.instance },
      { key: 'sha', label: 'sha256', value: (r: any) => (r.sha256 ?? '').slice(0, 12) },
      { key: 'errors', label: 'Errors', value: (r: any) => (r.errors ?? []).join('; ') },
    ] as Column<any>[]} />`}
    <h2>Difference between the last two configurations</h2>
    ${newer === undefined || older === undefined ? html`<p class="muted">Only one configuration has been loaded.</p>`
      : html`<pre class="code diff" tabindex="0" aria-label="Line diff">${lineDiff(older.text as string, newer.text as string).filter((l, i, all) => l.op !== ' ' || all.slice(Math.max(0, i - 2), i + 3).some((n) => n.op !== ' ')).map((l) => html`<span class=${l.op === '+' ? 'diff-add' : l.op === '-' ? 'diff-del' : ''}>${`${l.op} ${l.line}\n`}</span>`)}</pre>`}
  <//>`;
}

const SEVERITIES = ['critical', 'high', 'medium', 'low', 'info'] as const;

/** Findings that count, per severity, one point per stored report (oldest to newest). */
function FindingsChart(props: { reports: readonly any[] }) {
  const ref = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = ref.current;
    if (el === null || props.reports.length === 0) return;
    const styles = getComputedStyle(document.documentElement);
    const color = (v: string, fallback: string) => styles.getPropertyValue(v).trim() || fallback;
    const stroke: Record<(typeof SEVERITIES)[number], string> = { critical: color('--bad', 'red'), high: '#d4622a', medium: color('--warn', 'orange'), low: color('--accent', 'blue'), info: color('--muted', 'gray') };
    const ordered = [...props.reports].reverse();
    // Two reports in the same second would share an x: uPlot needs them increasing, so ties move by a millisecond.
    const t: number[] = [];
    for (const r of ordered) t.push(Math.max(r.at / 1000, (t.at(-1) ?? 0) + 0.001));
    const plot = new uPlot({
      width: Math.max(320, el.clientWidth), height: 220,
      series: [{}, ...SEVERITIES.map((s) => ({ label: s, stroke: stroke[s], width: 2, points: { show: true } }))],
      axes: [{ stroke: color('--fg', 'black') }, { stroke: color('--fg', 'black') }],
    }, [t, ...SEVERITIES.map((s) => ordered.map((r) => r.bySeverity[s] as number))], el);
    return () => plot.destroy();
  }, [props.reports]);
  return html`<figure class="chart"><div ref=${ref} role="img" aria-label="Findings by severity in each stored audit and scan report, over time"></div><figcaption class="muted">Findings by severity per stored report (suppressed and mitigated ones not counted)</figcaption></figure>`;
}

export function Findings() {
  const [kind, setKind] = useState('');
  const { data, error, loading } = useApi<{ items: any[] }>(`/reports?since=365d${kind === '' ? '' : `&kind=${kind}`}`);
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const id = chosen ?? data?.items[0]?.id as string | undefined;
  const report = useApi<any>(id === undefined ? undefined : `/reports/${encodeURIComponent(id)}`);
  const shown = report.data !== undefined && report.data.id === id ? report.data : undefined;
  return html`<${Page} title="Findings">
    <p class="muted">Reports kept with <code>gatehouse audit --store</code> and <code>gatehouse scan --store</code>.</p>
    <label class="filter">Kind <select value=${kind} onChange=${(e: Event) => { setKind((e.target as HTMLSelectElement).value); setChosen(undefined); }}>
      <option value="">audits and scans</option><option value="audit">audits</option><option value="scan">scans</option></select></label>
    <${Status} error=${error} loading=${loading && data === undefined} empty=${data?.items.length === 0} what="stored reports" />
    ${(data?.items.length ?? 0) > 0 && html`
      <${FindingsChart} reports=${data?.items ?? []} />
      <h2>Stored reports</h2>
      <${SortTable} label="Stored reports, newest first" initial="at" rows=${data?.items ?? []} rowKey=${(r: any) => r.id} columns=${[
        { key: 'at', label: 'Time', numeric: true, value: (r: any) => r.at, render: (r: any) => fmtTime(r.at) },
        { key: 'kind', label: 'Kind', value: (r: any) => r.kind },
        { key: 'subject', label: 'Subject', value: (r: any) => r.subject },
        ...SEVERITIES.map((s) => ({ key: s, label: s, numeric: true, value: (r: any) => r.bySeverity[s] as number })),
        { key: 'score', label: 'Score', numeric: true, value: (r: any) => r.score ?? -1, render: (r: any) => r.score ?? '–' },
        { key: 'open', label: 'Findings', value: () => '', render: (r: any) => html`<button type="button" aria-pressed=${r.id === id} onClick=${() => setChosen(r.id)} aria-label=${`Show findings of the ${r.kind as string} of ${fmtTime(r.at)}`}>Show</button>` },
      ] as Column<any>[]} />`}
    ${id !== undefined && html`<h2>Findings of the ${shown?.kind ?? 'report'} of ${fmtTime(shown?.at)}</h2>
      <${Status} error=${report.error} loading=${shown === undefined && report.error === undefined} empty=${shown?.findings.length === 0} what="findings in this report" />
      ${shown !== undefined && shown.findingsOmitted > 0 && html`<p class="muted">${shown.findingsOmitted} less severe finding(s) were not kept.</p>`}
      ${(shown?.findings.length ?? 0) > 0 && html`<div data-testid="report-findings"><${SortTable} label="Findings of the chosen report" rows=${shown.findings} rowKey=${(f: any) => `${f.ruleId as string} ${f.where as string}`} columns=${[
        { key: 'severity', label: 'Severity', value: (f: any) => SEVERITIES.indexOf(f.severity), render: (f: any) => html`<span class=${`badge sev-${f.severity as string}`}>${f.severity}</span>${f.muted === undefined ? '' : html` <span class="muted" title=${f.muted}>(not counted)</span>`}` },
        { key: 'rule', label: 'Rule', value: (f: any) => f.ruleId, render: (f: any) => html`<code>${f.ruleId}</code>` },
        { key: 'title', label: 'Finding', value: (f: any) => f.title },
        { key: 'where', label: 'Where', value: (f: any) => f.where, render: (f: any) => html`<code>${f.where}</code>` },
        { key: 'owasp', label: 'OWASP', value: (f: any) => f.owasp ?? '' },
        { key: 'detail', label: 'Fix / evidence', value: (f: any) => f.detail, render: (f: any) => html`${f.detail}${f.curl === undefined ? '' : html`<details><summary>Reproduce</summary><pre class="code" tabindex="0">${f.curl}</pre></details>`}` },
      ] as Column<any>[]} /></div>`}`}
  <//>`;
}
