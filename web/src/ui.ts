import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { api, ApiError } from './api.js';

export const fmtTime = (ms: number | undefined): string => ms === undefined ? '–' : new Date(ms).toISOString().replace('T', ' ').slice(0, 19);
export const fmtNum = (n: number | null | undefined): string => n === null || n === undefined ? '–' : n.toLocaleString('en');

/** Loads an API resource; `reload` fetches it again (after a write, or on a live event). */
export function useApi<T>(path: string | undefined): { data: T | undefined; error: string | undefined; reload: () => void; loading: boolean } {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  useEffect(() => {
    if (path === undefined) return;
    let stale = false;
    setLoading(true);
    api<T>('GET', path).then((d) => { if (!stale) { setData(d); setError(undefined); } }, (e: unknown) => { if (!stale) setError(e instanceof Error ? e.message : String(e)); })
      .finally(() => { if (!stale) setLoading(false); });
    return () => { stale = true; };
  }, [path, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { data, error, reload, loading };
}

export function Page(props: { title: string; children: ComponentChildren; actions?: ComponentChildren }) {
  return html`<section aria-labelledby="page-title">
    <header class="page-head"><h1 id="page-title" tabindex="-1">${props.title}</h1>${props.actions}</header>
    ${props.children}
  </section>`;
}

export function Status(props: { error: string | undefined; loading: boolean; empty?: boolean; what: string }) {
  if (props.error !== undefined) return html`<p class="error" role="alert">Could not load ${props.what}: ${props.error}</p>`;
  if (props.loading) return html`<p class="muted" role="status">Loading ${props.what}…</p>`;
  if (props.empty === true) return html`<p class="muted">No ${props.what}.</p>`;
  return null;
}

export interface Column<R> {
  readonly key: string;
  readonly label: string;
  readonly value: (row: R) => string | number;
  readonly render?: (row: R) => ComponentChildren;
  readonly numeric?: boolean;
}

/** A table sorted by clicking a column's header button (aria-sort tells screen readers). */
export function SortTable<R>(props: { rows: readonly R[]; columns: readonly Column<R>[]; label: string; initial?: string; rowKey: (r: R) => string }) {
  const [sort, setSort] = useState<{ key: string; dir: 1 | -1 }>({ key: props.initial ?? props.columns[0]?.key ?? '', dir: props.initial === undefined ? 1 : -1 });
  const column = props.columns.find((c) => c.key === sort.key);
  const rows = column === undefined ? props.rows : [...props.rows].sort((a, b) => {
    const x = column.value(a);
    const y = column.value(b);
    return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * sort.dir;
  });
  return html`<div class="table-wrap"><table>
    <caption class="sr-only">${props.label}</caption>
    <thead><tr>${props.columns.map((c) => html`<th scope="col" aria-sort=${sort.key === c.key ? (sort.dir === 1 ? 'ascending' : 'descending') : 'none'} class=${c.numeric === true ? 'num' : ''}>
      <button type="button" class="th-button" onClick=${() => setSort({ key: c.key, dir: sort.key === c.key ? (sort.dir === 1 ? -1 : 1) : (c.numeric === true ? -1 : 1) })}>${c.label}${sort.key === c.key ? (sort.dir === 1 ? ' ▲' : ' ▼') : ''}</button>
    </th>`)}</tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${props.rowKey(r)}>${props.columns.map((c) => html`<td class=${c.numeric === true ? 'num' : ''}>${c.render === undefined ? c.value(r) : c.render(r)}</td>`)}</tr>`)}</tbody>
  </table></div>`;
}

/** Runs a write and reports its outcome in a polite live region. */
export function useAction(): { run: (label: string, action: () => Promise<unknown>) => Promise<boolean>; message: ComponentChildren } {
  const [message, setMessage] = useState<{ ok: boolean; text: string } | undefined>(undefined);
  const run = useCallback(async (label: string, action: () => Promise<unknown>) => {
    try {
      await action();
      setMessage({ ok: true, text: `${label}: done` });
      return true;
    } catch (e) {
      const text = e instanceof ApiError ? `${e.message} (${e.code})` : String(e);
      setMessage({ ok: false, text: `${label} refused: ${text}` });
      return false;
    }
  }, []);
  return { run, message: html`<p class=${message?.ok === false ? 'error' : 'ok'} role="status" aria-live="polite">${message?.text ?? ''}</p>` };
}

/** Line diff of two texts (longest common subsequence), for the config page. */
export function lineDiff(a: string, b: string): { op: ' ' | '-' | '+'; line: string }[] {
  const x = a.split('\n');
  const y = b.split('\n');
  const n = x.length;
  const m = y.length;
  if (n * m > 4_000_000) return [...x.map((line) => ({ op: '-' as const, line })), ...y.map((line) => ({ op: '+' as const, line }))];
  const dp: Uint32Array[] = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) {
    (dp[i] as Uint32Array)[j] = x[i] === y[j] ? ((dp[i + 1] as Uint32Array)[j + 1] as number) + 1 : Math.max((dp[i + 1] as Uint32Array)[j] as number, (dp[i] as Uint32Array)[j + 1] as number);
  }
  const out: { op: ' ' | '-' | '+'; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (x[i] === y[j]) { out.push({ op: ' ', line: x[i] as string }); i++; j++; }
    else if (((dp[i + 1] as Uint32Array)[j] as number) >= ((dp[i] as Uint32Array)[j + 1] as number)) out.push({ op: '-', line: x[i++] as string });
    else out.push({ op: '+', line: y[j++] as string });
  }
  while (i < n) out.push({ op: '-', line: x[i++] as string });
  while (j < m) out.push({ op: '+', line: y[j++] as string });
  return out;
}
