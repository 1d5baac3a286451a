import { readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Registry } from 'prom-client';
import type { Alert } from '../anomaly/alert.js';
import { ALERT_STREAM } from '../anomaly/dispatch.js';
import { RevocationList, revocationValue, type Revocation, type RevocationKind } from '../anomaly/revocations.js';
import { parseDuration } from '../config/index.js';
import type { ApiConfig, GatehouseConfig } from '../config/types.js';
import { ApiKeyStore } from '../identity/api-keys.js';
import { queryDecisions } from '../identity/audit-trail.js';
import { buildInventory } from '../inventory/report.js';
import { readAll, readRows } from '../inventory/rows.js';
import { certificatesInUse } from '../observe/certificates.js';
import type { LoadedSpec } from '../openapi/types.js';
import { getReport, listReports, type ReportKind } from '../reports/stored.js';
import type { Store } from '../store/index.js';
import type { ApiCall, ApiHandler, ApiResult } from './api.js';
import { packageRoot } from './console.js';
import { limitStates, type LimitSubject } from './limits.js';
import { overview } from './overview.js';
import { RELOAD_STREAM, type ConfigVersion } from './reloads.js';
import { ADMIN_ROLES } from './tokens.js';

/** What the admin API reads and acts on: the running gateway's state and its store. */
export interface AdminContext {
  readonly store: Store;
  config(): GatehouseConfig;
  apis(): readonly { readonly config: ApiConfig; readonly spec: LoadedSpec }[];
  /** The gateway's live list (a change applies here at once, and on other gateways through pub/sub). */
  revocations(): RevocationList | undefined;
  /** The configuration this instance serves. */
  serving(): ConfigVersion | undefined;
  readonly registry: Registry | undefined;
  readonly now?: () => number;
}

const ALERT_STATE_PREFIX = 'alert-state:';
const DAY = 86_400_000;

interface AlertState { readonly id: string; readonly state: 'acknowledged' | 'resolved'; readonly by: string; readonly at: number; readonly note?: string }

const ok = (body: unknown, status = 200): ApiResult => ({ status, body });
const notFound = (detail: string): ApiResult => ({ denial: { code: 'GH_ROUTE_NOT_FOUND', detail } });

function sinceOf(call: ApiCall, fallbackMs: number, now: number): number {
  const text = call.query.since as string | undefined;
  return now - (text === undefined ? fallbackMs : parseDuration(text) ?? fallbackMs);
}

/** The principal as the decision trail and revocations name it. */
export function actor(call: ApiCall): string {
  return `admin:${call.principal.id}`;
}

/** Alerts with the state operators gave them; state lives in kv beside the append-only alert stream. */
async function alertsWithState(ctx: AdminContext, since: number): Promise<(Alert & { state: string; stateBy?: string; stateAt?: number; note?: string })[]> {
  const [records, states] = await Promise.all([readAll(ctx.store.records, ALERT_STREAM, since), ctx.store.kv.list(ALERT_STATE_PREFIX, 100_000)]);
  const byId = new Map<string, AlertState>();
  for (const e of states) {
    try { const s = JSON.parse(e.value) as AlertState; byId.set(s.id, s); } catch { /* a damaged entry leaves its alert open */ }
  }
  return records.map((r) => {
    const alert = r.data as unknown as Alert;
    const s = byId.get(alert.id);
    return s === undefined ? { ...alert, state: 'open' } : { ...alert, state: s.state, stateBy: s.by, stateAt: s.at, ...(s.note === undefined ? {} : { note: s.note }) };
  }).reverse();
}

export function adminHandlers(ctx: AdminContext): Record<string, ApiHandler> {
  const now = ctx.now ?? Date.now;
  const keys = () => new ApiKeyStore(ctx.store.kv, { pubsub: ctx.store.pubsub });
  const revocations = () => ctx.revocations() ?? new RevocationList(ctx.store, now);

  const setAlertState = (state: 'acknowledged' | 'resolved') => async (call: ApiCall): Promise<ApiResult> => {
    const id = call.path.id as string;
    const alerts = await readAll(ctx.store.records, ALERT_STREAM, now() - 90 * DAY);
    if (!alerts.some((r) => (r.data as { id?: unknown }).id === id)) return notFound(`no alert ${id}`);
    const note = call.body?.note as string | undefined;
    const entry: AlertState = { id, state, by: actor(call), at: now(), ...(note === undefined ? {} : { note }) };
    await ctx.store.kv.set(ALERT_STATE_PREFIX + id, JSON.stringify(entry));
    return ok(entry);
  };

  return {
    async whoami(call) {
      const role = [...ADMIN_ROLES].reverse().find((r) => call.principal.roles.has(r)) ?? 'viewer';
      return ok({ id: call.principal.id, role });
    },
    async overview(call) {
      return ok(await overview(ctx, sinceOf(call, DAY, now()), now()));
    },
    async getConfig() {
      const serving = ctx.serving();
      return serving === undefined ? notFound('no configuration loaded yet') : ok(serving);
    },
    async listReloads(call) {
      const limit = (call.query.limit as number | undefined) ?? 50;
      const records = await ctx.store.records.query(RELOAD_STREAM, { order: 'desc', limit });
      return ok({ items: records.map((r) => r.data) });
    },
    async inventory(call) {
      const rows = await readRows(ctx.store.records, sinceOf(call, 7 * DAY, now()));
      return ok(buildInventory({ apis: ctx.apis(), rows }));
    },
    async listAlerts(call) {
      const all = await alertsWithState(ctx, sinceOf(call, DAY, now()));
      const type = call.query.type as string | undefined;
      const state = call.query.state as string | undefined;
      const items = all.filter((a) => (type === undefined || a.type === type) && (state === undefined || a.state === state));
      return ok({ items: items.slice(0, (call.query.limit as number | undefined) ?? 200) });
    },
    async limitState(call) {
      const q = call.query as LimitSubject;
      if (q.subject === undefined && q.ip === undefined && q.credential === undefined) return { denial: { code: 'GH_CONTRACT_PARAMETER_INVALID', detail: 'name a subject, a credential or an ip' } };
      return ok({ items: await limitStates(ctx, q, now()) });
    },
    // The runbooks shipped in the package, so the console shows one beside its alert even when
    // monitoring.runbookBase points elsewhere or nowhere reachable. The name is a fixed pattern
    // (the contract's), so it cannot leave the folder.
    async getRunbook(call) {
      const name = call.path.name as string;
      try {
        return ok({ name, text: await readFile(path.join(packageRoot(), 'docs', 'runbooks', `${name}.md`), 'utf8') });
      } catch {
        return notFound(`no runbook ${name}`);
      }
    },
    acknowledgeAlert: setAlertState('acknowledged'),
    resolveAlert: setAlertState('resolved'),
    async listDecisions(call) {
      const limit = (call.query.limit as number | undefined) ?? 100;
      const before = call.query.before as string | undefined;
      const q = call.query;
      const records = await queryDecisions(ctx.store.records, ctx.config().identity.audit.stream, {
        ...(q.identity === undefined ? {} : { identity: q.identity as string }),
        ...(q.operation === undefined ? {} : { operation: q.operation as string }),
        ...(q.decision === undefined ? {} : { decision: q.decision as 'allow' | 'deny' }),
        ...(q.api === undefined ? {} : { api: q.api as string }),
        ...(q.since === undefined ? {} : { since: sinceOf(call, DAY, now()) }),
        ...(before === undefined ? {} : { until: Number(before) }),
        limit,
      });
      const last = records.at(-1);
      // The next page ends where this one did: records are newest first, `until` is exclusive.
      return ok({ items: records.map((r) => r.data), ...(records.length === limit && last !== undefined ? { next: String(last.ts) } : {}) });
    },
    async listRevocations() {
      const all = await revocations().list();
      return ok({ items: all.sort((a, b) => b.createdAt - a.createdAt) });
    },
    async addRevocation(call) {
      const body = call.body as { kind: RevocationKind; value: string; reason?: string; forSeconds?: number; throttlePerMinute?: number };
      const checked = revocationValue(body.kind, body.value);
      if ('problem' in checked) return { denial: { code: 'GH_CONTRACT_BODY_INVALID', detail: checked.problem } };
      const entry: Revocation = {
        kind: body.kind, value: checked.value, action: body.throttlePerMinute === undefined ? 'block' : 'throttle',
        ...(body.throttlePerMinute === undefined ? {} : { perMinute: body.throttlePerMinute }),
        reason: body.reason ?? 'added from the admin API', by: actor(call), createdAt: now(),
        ...(body.forSeconds === undefined ? {} : { expiresAt: now() + body.forSeconds * 1000 }),
      };
      await revocations().add(entry);
      return ok(entry, 201);
    },
    async removeRevocation(call) {
      const kind = call.query.kind as RevocationKind;
      const checked = revocationValue(kind, call.query.value as string);
      if ('problem' in checked) return { denial: { code: 'GH_CONTRACT_PARAMETER_INVALID', detail: checked.problem } };
      return ok({ removed: await revocations().remove(kind, checked.value, actor(call)) });
    },
    async listKeys() {
      return ok({ items: await keys().list() });
    },
    async createKey(call) {
      const body = call.body as { name: string; scopes?: string[]; roles?: string[]; expiresInSeconds?: number };
      const store = keys();
      const { key, record } = await store.create({ name: body.name, scopes: body.scopes ?? [], roles: body.roles ?? [], ...(body.expiresInSeconds === undefined ? {} : { ttlMs: body.expiresInSeconds * 1000 }) });
      return ok({ key, info: store.info(record) }, 201);
    },
    async rotateKey(call) {
      const store = keys();
      const overlap = (call.body?.overlapSeconds as number | undefined) ?? 86_400;
      const next = await store.rotate(call.path.id as string, overlap * 1000);
      return next === undefined ? notFound(`no active key ${String(call.path.id)}`) : ok({ key: next.key, info: store.info(next.record) }, 201);
    },
    async revokeKey(call) {
      const revoked = await keys().revoke(call.path.id as string);
      return revoked ? ok({ revoked }) : notFound(`no key ${String(call.path.id)}`);
    },
    async listCertificates() {
      return ok({ items: certificatesInUse(ctx.config(), now()).map((c) => ({ ...c, notAfter: c.notAfter.toISOString() })) });
    },
    async listReports(call) {
      const kind = call.query.kind as ReportKind | undefined;
      const items = await listReports(ctx.store.records, { since: sinceOf(call, 365 * DAY, now()), limit: (call.query.limit as number | undefined) ?? 200, ...(kind === undefined ? {} : { kind }) });
      return ok({ items });
    },
    async getReport(call) {
      const report = await getReport(ctx.store.records, call.path.id as string);
      return report === undefined ? notFound(`no stored report ${String(call.path.id)}`) : ok(report);
    },
    // Answered by the SSE stream (events.ts), which the server wires in.
    async events() {
      return undefined;
    },
  };
}
