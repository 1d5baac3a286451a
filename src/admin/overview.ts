import { queryDecisions } from '../identity/audit-trail.js';
import { readRows } from '../inventory/rows.js';
import type { AdminContext } from './handlers.js';
import { ALERT_STREAM } from '../anomaly/dispatch.js';

const BUCKETS = 60;
const MINUTE = 60_000;

/**
 * The overview page: traffic across every gateway sharing the store (inventory rows), callers
 * and decisions over the last hour (the decision trail, at most its newest 10000 records), and
 * refusals by code and latency percentiles of this gateway (its metrics: percentiles cannot be
 * added across instances).
 */
export async function overview(ctx: AdminContext, since: number, now: number) {
  const [rows, decisions, openAlerts, latencyMs, refusalsByCode] = await Promise.all([
    readRows(ctx.store.records, since),
    queryDecisions(ctx.store.records, ctx.config().identity.audit.stream, { since, limit: 10_000 }),
    ctx.store.records.count(ALERT_STREAM, { since }),
    latency(ctx),
    refusalCodes(ctx),
  ]);
  let requests = 0;
  let refusals = 0;
  for (const row of rows) {
    requests += row.count;
    refusals += row.statuses['4xx'] ?? 0;
  }
  // Callers by the decision trail (subject or key id), not the inventory's identity classes.
  const callers = new Map<string, number>();
  for (const d of decisions) {
    const who = `${String(d.data.kind)}:${String(d.data.identity)}`;
    callers.set(who, (callers.get(who) ?? 0) + 1);
  }
  const topCallers = [...callers].sort((a, b) => b[1] - a[1]).slice(0, 10).map(([identity, count]) => ({ identity, count }));
  // The chart: decisions per minute over the last hour, whatever span the numbers cover.
  const from = Math.floor((now - BUCKETS * MINUTE) / MINUTE) * MINUTE + MINUTE;
  const t = Array.from({ length: BUCKETS }, (_, i) => (from + i * MINUTE) / 1000);
  const allow = new Array<number>(BUCKETS).fill(0);
  const deny = new Array<number>(BUCKETS).fill(0);
  for (const d of decisions) {
    if (d.ts < from) continue;
    const i = Math.min(BUCKETS - 1, Math.floor((d.ts - from) / MINUTE));
    if (d.data.decision === 'deny') deny[i] = (deny[i] ?? 0) + 1;
    else allow[i] = (allow[i] ?? 0) + 1;
  }
  return { requests, refusals, refusalsByCode, latencyMs, topCallers, openAlerts, series: { t, allow, deny } };
}

/** Parsed from the exposition text: the fast histograms write it themselves. */
async function metricLines(ctx: AdminContext, name: string): Promise<{ labels: string; value: number }[]> {
  if (ctx.registry === undefined) return [];
  const text = await ctx.registry.metrics();
  const out: { labels: string; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const m = /^(\w+)(\{[^}]*\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    out.push({ labels: m[2] ?? '', value: Number(m[3]) });
  }
  return out;
}

async function latency(ctx: AdminContext): Promise<{ p50: number | null; p99: number | null }> {
  const buckets = new Map<number, number>();
  for (const { labels, value } of await metricLines(ctx, 'gatehouse_request_duration_seconds_bucket')) {
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    if (le === undefined) continue;
    const bound = le === '+Inf' ? Infinity : Number(le);
    buckets.set(bound, (buckets.get(bound) ?? 0) + value);
  }
  const sorted = [...buckets].sort((a, b) => a[0] - b[0]);
  const total = sorted.at(-1)?.[1] ?? 0;
  const at = (p: number): number | null => {
    if (total === 0) return null;
    const found = sorted.find(([, n]) => n >= total * p);
    // The bucket's upper bound: the histogram cannot say more, and above the last bound nothing.
    return found === undefined || found[0] === Infinity ? null : found[0] * 1000;
  };
  return { p50: at(0.5), p99: at(0.99) };
}

async function refusalCodes(ctx: AdminContext): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const { labels, value } of await metricLines(ctx, 'gatehouse_refusals_total')) {
    const code = /code="([^"]+)"/.exec(labels)?.[1];
    if (code !== undefined && labels.includes('mode="enforce"')) out[code] = (out[code] ?? 0) + value;
  }
  return out;
}
