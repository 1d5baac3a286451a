/**
 * Mass assignment (API3, object property level) proven by read-back: a valid body plus properties
 * a client must not set — privilege flags (`admin`, `isAdmin`, `role`, `verified`, `balance`, ...,
 * declared or not) and declared `readOnly` properties — then the object is read again: the
 * created object, the caller's own account (`/me`), or the claims and answer of a fresh login for
 * a registered account. A property counts only when the read-back shows the value the scanner
 * sent and a twin request without it (or the state before) does not: an echo in the response, or
 * a default that was already there, is not a finding. Self-updates are put back afterwards.
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { decodeJwt } from '../auth.js';
import { flowsOf, logIn, meRecord, ownedAccounts, register } from '../accounts.js';
import { isSelfPath } from '../auth-flows.js';
import { goodValues, sendOp, type ScanContext, type Sent } from '../context.js';
import { senderFor } from '../credential-writes.js';
import { preferredMediaType, type RequestValues } from '../request.js';
import { idOf } from '../resources.js';
import { OWASP, type Identity } from '../types.js';
import { looksAdministrative } from './bfla.js';
import { bodyProperties } from './encode.js';
import { allowance } from './allowance.js';

const PRIVILEGED: Readonly<Record<string, unknown>> = {
  admin: true, isAdmin: true, is_admin: true, role: 'admin', roles: ['admin'], verified: true, isVerified: true, email_verified: true,
  is_superuser: true, balance: 987654, credits: 987654,
};
const MAX_OPERATIONS = 12;
const MAX_REQUESTS = 120;
const ok = (s: number): boolean => s >= 200 && s < 300;

function readOnlyProbe(schema: SchemaObject): unknown {
  const t = schema.type;
  if (t === 'integer' || t === 'number') return 987_654_321;
  if (t === 'boolean') return true;
  if (t === 'string' && schema.enum === undefined) return schema.format === 'date-time' ? '2001-02-03T04:05:06.000Z' : 'gh-mass-assign';
  return undefined;
}

/** Properties to send: every privilege flag (declared or not) and the declared readOnly ones. */
export function smuggled(props: Record<string, SchemaObject>): { extras: Record<string, unknown>; privileged: Set<string> } {
  const extras: Record<string, unknown> = { ...PRIVILEGED };
  for (const [k, ps] of Object.entries(props)) {
    if (ps.readOnly !== true || k in extras) continue;
    const probe = readOnlyProbe(ps);
    if (probe !== undefined) extras[k] = probe;
  }
  return { extras, privileged: new Set(Object.keys(PRIVILEGED)) };
}

/** Whether a read-back value is what was sent (forms send strings; roles come back as lists or prefixed). */
export function holds(actual: unknown, sent: unknown): boolean {
  if (actual === undefined || actual === null) return false;
  if (sent === true) return actual === true || actual === 'true' || actual === 1 || actual === '1';
  if (typeof sent === 'number') return Number(actual) === sent;
  if (sent === 'admin' || (Array.isArray(sent) && sent.includes('admin'))) {
    const values = Array.isArray(actual) ? actual : [actual];
    return values.some((v) => typeof v === 'string' && /(^|[^a-z])admin(istrator)?($|[^a-z])/i.test(v));
  }
  return JSON.stringify(actual) === JSON.stringify(sent) || String(actual as string) === String(sent as string);
}

type View = Record<string, unknown>;

function stuck(probe: View | undefined, control: View | undefined, extras: Record<string, unknown>): string[] {
  if (probe === undefined) return [];
  return Object.keys(extras).filter((k) => holds(probe[k], extras[k]) && !holds(control?.[k], extras[k]));
}

function withBody(values: RequestValues, op: Operation, extra: Record<string, unknown>): RequestValues {
  const body = values.body !== null && typeof values.body === 'object' && !Array.isArray(values.body) ? values.body as Record<string, unknown> : {};
  return { ...values, body: { ...body, ...extra }, mediaType: values.mediaType ?? preferredMediaType(op), ...(Object.keys(extra).length > 0 ? { attack: 'mass assignment' } : {}) };
}

async function readMe(ctx: ScanContext, who: Identity): Promise<View | undefined> {
  const me = flowsOf(ctx).me;
  if (me === undefined) return undefined;
  const res = await sendOp(ctx, me, goodValues(ctx, me, who.name), who);
  return ok(res.response.status) ? meRecord(res.response.json) : undefined;
}

function candidates(ctx: ScanContext): Operation[] {
  return ctx.operations.filter((op) => ['POST', 'PUT', 'PATCH'].includes(op.method) && Object.keys(bodyProperties(op, preferredMediaType(op))).length > 0
    && op.id !== flowsOf(ctx).login?.op.id).slice(0, MAX_OPERATIONS);
}

export async function massAssignmentReadbackCheck(ctx: ScanContext): Promise<void> {
  const flows = flowsOf(ctx);
  const more = allowance(ctx, MAX_REQUESTS);
  for (const op of candidates(ctx)) {
    if (!more()) break;
    ctx.phase(`mass-assignment ${op.id}`);
    const { extras, privileged } = smuggled(bodyProperties(op, preferredMediaType(op)));
    let result: { hits: string[]; sent: Sent; how: string } | undefined;
    if (op.id === flows.register?.op.id) result = await viaRegistration(ctx, extras);
    else if (isSelfPath(op)) result = await viaSelfUpdate(ctx, op, extras);
    else result = await viaObject(ctx, op, extras);
    if (result === undefined || result.hits.length === 0) continue;
    const severe = result.hits.some((h) => privileged.has(h));
    ctx.findings.add({
      ruleId: 'mass-assignment.accepted', check: 'mass-assignment', severity: severe ? 'high' : 'medium', owasp: OWASP.API3,
      title: 'Properties the client must not set are accepted', operation: op.id, request: result.sent.request, response: result.sent.response,
      evidence: `${op.method} ${op.path} answered ${result.sent.response.status}; ${result.hits.map((h) => `${h}=${JSON.stringify(extras[h])}`).join(', ')} sent by the client ${result.hits.length === 1 ? 'was' : 'were'} read back ${result.how}`,
    });
  }
}

/** Everything a fresh login shows about an account: its `me` record, the login answer and the token's claims. */
async function loginView(ctx: ScanContext, login: string, password: string, username: string): Promise<{ view: View; identity: Identity | undefined } | undefined> {
  const session = await logIn(ctx, login, password, username);
  if (session === undefined || !ok(session.sent.response.status)) return undefined;
  const claims = session.identity === undefined ? undefined : decodeJwt(session.identity.value)?.payload;
  const me = session.identity === undefined ? undefined : await readMe(ctx, session.identity);
  return { view: { ...meRecord(session.sent.response.json), ...claims, ...me }, identity: session.identity };
}

const UNSAFE = /(reset|drop|purge|wipe|init|seed|delete|remove|destroy|logout|revoke|database)/i;

/**
 * Read-back by effect, for services that store a flag without showing it: an administrative read
 * the new account may call while the account registered without the flags may not.
 */
async function privilegeEffect(ctx: ScanContext, probe: Identity, control: Identity): Promise<string | undefined> {
  const reads = ctx.operations.filter((op) => op.method === 'GET' && looksAdministrative(op) && !UNSAFE.test(op.path) && !op.path.includes('{')).slice(0, 2);
  for (const op of reads) {
    const values = goodValues(ctx, op, probe.name);
    const theirs = await sendOp(ctx, op, values, control);
    if (theirs.response.status !== 401 && theirs.response.status !== 403) continue;
    const mine = await sendOp(ctx, op, values, probe);
    if (ok(mine.response.status)) return `${op.method} ${op.path} answered ${mine.response.status} to the new account and ${theirs.response.status} to one registered without them`;
  }
  return undefined;
}

async function viaRegistration(ctx: ScanContext, extras: Record<string, unknown>): Promise<{ hits: string[]; sent: Sent; how: string } | undefined> {
  const probe = await register(ctx, extras);
  if (probe === undefined || !ok(probe.sent.response.status)) return undefined;
  const control = await register(ctx);
  if (control === undefined || !ok(control.sent.response.status)) return undefined;
  const a = probe.account;
  const c = control.account;
  const [mine, theirs] = [await loginView(ctx, a.login, a.password, a.username), await loginView(ctx, c.login, c.password, c.username)];
  const hits = stuck(mine?.view, theirs?.view, extras);
  if (hits.length > 0 || mine?.identity === undefined || theirs?.identity === undefined) {
    return { hits, sent: probe.sent, how: 'after logging in as the new account (its profile, login answer or token claims), while an account registered without them shows no such value' };
  }
  const effect = await privilegeEffect(ctx, mine.identity, theirs.identity);
  const flags = Object.keys(extras).filter((k) => /admin|role|superuser/i.test(k));
  return effect === undefined ? undefined : { hits: flags, sent: probe.sent, how: `by their effect: ${effect}` };
}

async function viaSelfUpdate(ctx: ScanContext, op: Operation, extras: Record<string, unknown>): Promise<{ hits: string[]; sent: Sent; how: string } | undefined> {
  // The scanner's own account where there is one, so no given identity gains a privilege even briefly.
  const owned = (await ownedAccounts(ctx, 1))[0]?.identity;
  // Without one, a given identity only where the update cannot change its password.
  if (owned === undefined && 'skip' in await senderFor(ctx, op)) return undefined;
  const who = owned ?? ctx.primary;
  if (who === undefined) return undefined;
  const before = await readMe(ctx, who);
  if (before === undefined) return undefined;
  const values = withBody(goodValues(ctx, op, who.name), op, extras);
  const sent = await sendOp(ctx, op, values, who);
  if (!ok(sent.response.status)) return undefined;
  const hits = stuck(await readMe(ctx, who), before, extras);
  if (hits.length > 0) {
    const back: Record<string, unknown> = {};
    for (const k of hits) back[k] = before[k] ?? (typeof extras[k] === 'boolean' ? false : typeof extras[k] === 'number' ? 0 : null);
    const restored = await sendOp(ctx, op, withBody(values, op, back), who);
    if (!ok(restored.response.status)) ctx.note(`mass-assignment: could not put ${hits.join(', ')} back on "${who.name}" (${restored.response.status})`);
  }
  return { hits, sent, how: `with ${flowsOf(ctx).me?.method ?? 'GET'} ${flowsOf(ctx).me?.path ?? ''} (they were not set before)` };
}

async function viaObject(ctx: ScanContext, op: Operation, extras: Record<string, unknown>): Promise<{ hits: string[]; sent: Sent; how: string } | undefined> {
  const r = ctx.resources.find((x) => x.read !== undefined && (x.create === op || x.update === op || (op.method !== 'POST' && op.path === x.read?.path)));
  if (r?.read === undefined) return undefined;
  const read = r.read;
  const sender = await senderFor(ctx, op);
  if ('skip' in sender) return undefined;
  const who = sender.identity ?? (await ownedAccounts(ctx, 1))[0]?.identity;
  const fetch = async (id: string | number): Promise<View | undefined> => {
    const base = goodValues(ctx, read, who?.name);
    const res = await sendOp(ctx, read, { ...base, path: { ...base.path, [r.param]: id } }, who);
    return ok(res.response.status) ? meRecord(res.response.json) : undefined;
  };
  const create = async (extra: Record<string, unknown>): Promise<{ sent: Sent; id: string | number | undefined } | undefined> => {
    if (r.create === undefined) return undefined;
    const sent = await sendOp(ctx, r.create, withBody(goodValues(ctx, r.create, who?.name), r.create, extra), who);
    return ok(sent.response.status) ? { sent, id: idOf(sent.response.json, r.param) } : undefined;
  };
  if (op === r.create) {
    const probe = await create(extras);
    if (probe?.id === undefined) return undefined;
    const control = await create({});
    const controlView = control?.id === undefined ? undefined : await fetch(control.id);
    return { hits: stuck(await fetch(probe.id), controlView, extras), sent: probe.sent, how: `with ${read.method} ${read.path}, while an object created without them shows no such value` };
  }
  const target = await create({});
  if (target?.id === undefined) return undefined;
  const before = await fetch(target.id);
  const base = goodValues(ctx, op, who?.name);
  const sent = await sendOp(ctx, op, withBody({ ...base, path: { ...base.path, [r.param]: target.id } }, op, extras), who);
  if (!ok(sent.response.status)) return undefined;
  return { hits: stuck(await fetch(target.id), before, extras), sent, how: `with ${read.method} ${read.path} (they were not set before)` };
}
