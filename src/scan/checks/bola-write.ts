/**
 * Object level authorization on writes (API1): PUT, PATCH and DELETE by one identity on an object
 * another identity owns, including another user's password and email. The victim is, where the
 * API allows, an account the scanner registered itself, and the object one the scanner created
 * with the victim's credential. A 2xx alone proves nothing (services answer 200 and ignore the
 * write); the finding needs the read-back: the victim reads its object and sees the attacker's
 * values, logs in with the password the attacker set, or finds its object gone. Changes are put
 * back afterwards with the victim's own credential.
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { flowsOf, logIn, meRecord, ownedAccounts, profileOf, rememberSecret, userKey, type Account } from '../accounts.js';
import { userParam } from '../auth-flows.js';
import { isPrivileged } from '../auth.js';
import { goodValues, sampleValues, sendOp, type ScanContext, type Sent } from '../context.js';
import { preferredMediaType, type RequestValues } from '../request.js';
import { idOf, type Resource } from '../resources.js';
import { OWASP, type Identity } from '../types.js';
import { bodyProperties } from './encode.js';
import { allowance } from './allowance.js';

export interface Party { readonly identity: Identity; readonly account: Account | undefined }

const ok = (s: number): boolean => s >= 200 && s < 300;
const MAX_OPERATIONS = 10;
const MAX_REQUESTS = 120;
const PASSWORDISH = /^(new_?)?(password|passwd|pass|pwd)$|^newPassword$/i;
const OLD_PASSWORD = /(old|current|existing)_?pass/i;

export function same(a: unknown, b: unknown): boolean {
  if (a === undefined || b === undefined) return false;
  if (a !== null && typeof a === 'object') return JSON.stringify(a) === JSON.stringify(b);
  return String(a) === String(b);
}

function record(json: unknown): Record<string, unknown> | undefined {
  return meRecord(json);
}

/** Two identities for cross-identity tests: the victim the scanner's own account where there is one. */
export async function parties(ctx: ScanContext): Promise<{ attacker: Party; victim: Party } | undefined> {
  const owned = (await ownedAccounts(ctx, 2)).filter((a) => a.identity !== undefined).map((a) => ({ identity: a.identity as Identity, account: a }));
  const given = ctx.identities.filter((i) => !isPrivileged(i)).map((identity) => ({ identity, account: undefined }));
  const pool: Party[] = [...owned, ...given];
  // The victim is the scanner's own account where there is one: its data is the scanner's to change.
  const victim = pool[0];
  const attacker = pool.find((p) => p !== victim && p.identity.value !== victim?.identity.value);
  return victim === undefined || attacker === undefined ? undefined : { attacker, victim };
}

/** A body that changes every plain string property to a marker, other properties to a fresh valid sample. */
function writeValues(ctx: ScanContext, op: Operation, path: Record<string, unknown>, salt: number): { values: RequestValues; sent: Record<string, unknown> } {
  const sample = sampleValues(ctx, op, 1, 100 + salt)[0] as RequestValues;
  const media = sample.mediaType ?? preferredMediaType(op);
  const base = sample.body !== null && typeof sample.body === 'object' && !Array.isArray(sample.body) ? sample.body as Record<string, unknown> : {};
  const body: Record<string, unknown> = { ...base };
  const props = bodyProperties(op, media);
  let n = 0;
  for (const [k, ps] of Object.entries(props)) {
    if (ps.readOnly === true || PASSWORDISH.test(k) || OLD_PASSWORD.test(k)) continue;
    const plain = (ps.type === 'string' || ps.type === undefined) && ps.enum === undefined && ps.format === undefined && ps.pattern === undefined;
    if (plain && (typeof ps.maxLength !== 'number' || ps.maxLength >= 10)) body[k] = `ghw${salt}x${n++}`;
  }
  // Marked as an attack: a write by one identity on another's object must never become a known-good input.
  if (Object.keys(props).length === 0) return { values: { ...sample, path: { ...sample.path, ...path }, attack: 'bola-write' }, sent: {} };
  return { values: { ...sample, path: { ...sample.path, ...path }, body, mediaType: media, attack: 'bola-write' }, sent: body };
}

function changed(before: Record<string, unknown> | undefined, after: Record<string, unknown> | undefined, sent: Record<string, unknown>): string[] {
  if (after === undefined) return [];
  return Object.keys(sent).filter((k) => same(after[k], sent[k]) && !same(before?.[k], sent[k]));
}

export async function bolaWriteCheck(ctx: ScanContext): Promise<void> {
  const more = allowance(ctx, MAX_REQUESTS);
  const pair = await parties(ctx);
  if (pair === undefined) {
    ctx.note('bola-write: needs two non-admin identities, or a public registration to create accounts; skipped');
    return;
  }
  let budget = MAX_OPERATIONS;
  for (const r of ctx.resources) {
    if (budget <= 0) break;
    if (r.create === undefined || r.read === undefined || userParam(r.read) !== undefined) continue;
    const writes = ctx.operations.filter((o) => ['PUT', 'PATCH', 'DELETE'].includes(o.method) && o.path.startsWith(`${r.collection}/{${r.param}}`) && (o.path.match(/\{/g) ?? []).length === (r.read?.path.match(/\{/g) ?? []).length);
    for (const op of writes) {
      if (budget-- <= 0 || !more()) break;
      if (op.method === 'DELETE' && !ctx.tuning.destructive) continue;
      ctx.phase(`bola-write ${op.id}`);
      await objectWrite(ctx, r, op, pair.attacker, pair.victim);
    }
  }
  for (const op of ctx.operations) {
    if (budget <= 0 || !more()) break;
    const param = userParam(op);
    if (param === undefined || !['PUT', 'PATCH', 'POST', 'DELETE'].includes(op.method)) continue;
    if (op.method === 'DELETE' && !ctx.tuning.destructive) continue;
    budget--;
    ctx.phase(`bola-write ${op.id}`);
    await userWrite(ctx, op, param, pair.attacker, pair.victim);
  }
}

async function create(ctx: ScanContext, r: Resource, owner: Party): Promise<string | number | undefined> {
  const create = r.create as Operation;
  const values = goodValues(ctx, create, owner.identity.name);
  const sent = await sendOp(ctx, create, values, owner.identity);
  if (!ok(sent.response.status)) return undefined;
  const chosen = values.body !== null && typeof values.body === 'object' ? (values.body as Record<string, unknown>)[r.param] : undefined;
  return idOf(sent.response.json, r.param) ?? (typeof chosen === 'string' || typeof chosen === 'number' ? chosen : undefined);
}

async function readObject(ctx: ScanContext, r: Resource, id: string | number, who: Party): Promise<Sent> {
  const read = r.read as Operation;
  const base = goodValues(ctx, read, who.identity.name);
  return sendOp(ctx, read, { ...base, path: { ...base.path, [r.param]: id } }, who.identity);
}

async function objectWrite(ctx: ScanContext, r: Resource, op: Operation, attacker: Party, victim: Party): Promise<void> {
  const id = await create(ctx, r, victim);
  if (id === undefined) return;
  const before = await readObject(ctx, r, id, victim);
  if (!ok(before.response.status)) return;
  if (op.method === 'DELETE') {
    const base = goodValues(ctx, op, victim.identity.name);
    const sent = await sendOp(ctx, op, { ...base, path: { ...base.path, [r.param]: id }, attack: 'bola-write' }, attacker.identity);
    if (!ok(sent.response.status)) return;
    const after = await readObject(ctx, r, id, victim);
    if (after.response.status !== 404 && after.response.status !== 410) return;
    ctx.findings.add({
      ruleId: 'bola-write.delete-other-users-object', check: 'bola-write', severity: 'high', owasp: OWASP.API1,
      title: 'Object of one user deleted by another', operation: op.id, request: sent.request, response: sent.response,
      evidence: `"${attacker.identity.name}" deleted ${r.param}=${String(id)}, created by "${victim.identity.name}" (${sent.response.status}); the owner's read then answered ${after.response.status}. The object was the scanner's own`,
    });
    return;
  }
  const { values, sent: body } = writeValues(ctx, op, { [r.param]: id }, 1);
  const sent = await sendOp(ctx, op, values, attacker.identity);
  if (!ok(sent.response.status)) return;
  const after = await readObject(ctx, r, id, victim);
  const hits = changed(record(before.response.json), record(after.response.json), body);
  if (hits.length === 0) return;
  ctx.findings.add({
    ruleId: 'bola-write.update-other-users-object', check: 'bola-write', severity: 'high', owasp: OWASP.API1,
    title: 'Object of one user modified by another', operation: op.id, request: sent.request, response: sent.response,
    evidence: `"${attacker.identity.name}" sent ${op.method} ${op.path} with ${r.param}=${String(id)}, an object "${victim.identity.name}" created; the owner then read ${hits.map((h) => `${h}=${JSON.stringify(body[h])}`).join(', ')} back`,
  });
  await restore(ctx, op, values, record(before.response.json), hits, victim);
}

async function restore(ctx: ScanContext, op: Operation, values: RequestValues, before: Record<string, unknown> | undefined, keys: string[], owner: Party): Promise<void> {
  const body = values.body !== null && typeof values.body === 'object' ? { ...values.body as Record<string, unknown> } : {};
  for (const k of keys) body[k] = before?.[k] ?? null;
  const sent = await sendOp(ctx, op, { ...values, body }, owner.identity);
  if (!ok(sent.response.status)) ctx.note(`bola-write: could not restore ${keys.join(', ')} on ${op.id} (${sent.response.status})`);
}

/** Reads a user's own record: the `me` read, else a GET on the same user path. */
async function readSelf(ctx: ScanContext, op: Operation, param: string, key: string | number, who: Party): Promise<Record<string, unknown> | undefined> {
  const me = flowsOf(ctx).me;
  const prefix = op.path.slice(0, op.path.indexOf(`{${param}}`) + param.length + 2);
  const read = me ?? ctx.operations.find((o) => o.method === 'GET' && o.path === prefix);
  if (read === undefined) return undefined;
  const base = goodValues(ctx, read, who.identity.name);
  const res = await sendOp(ctx, read, { ...base, path: { ...base.path, [param]: key } }, who.identity);
  return ok(res.response.status) ? record(res.response.json) : undefined;
}

async function userWrite(ctx: ScanContext, op: Operation, param: string, attacker: Party, victim: Party): Promise<void> {
  const [mine, theirs] = [await profileOf(ctx, attacker.identity), await profileOf(ctx, victim.identity)];
  const victimKey = userKey(param, { ...(victim.account === undefined ? {} : { username: victim.account.username, email: victim.account.email }), ...theirs });
  const attackerKey = userKey(param, { ...(attacker.account === undefined ? {} : { username: attacker.account.username, email: attacker.account.email }), ...mine });
  if (victimKey === undefined || same(victimKey, attackerKey)) return;
  const props = bodyProperties(op, preferredMediaType(op));
  const names = Object.keys(props);
  if (names.some((n) => OLD_PASSWORD.test(n))) return; // knowing the old password is the authorization
  const passwordField = names.find((n) => PASSWORDISH.test(n)) ?? (/\/pass(word)?s?$/i.test(op.path) ? names.find((n) => /pass/i.test(n)) : undefined);
  if (passwordField !== undefined) return passwordWrite(ctx, op, param, passwordField, victimKey, attacker, victim, props);
  if (op.method === 'DELETE' || op.method === 'POST') return;
  const before = await readSelf(ctx, op, param, victimKey, victim);
  if (before === undefined) return;
  const { values, sent: body } = writeValues(ctx, op, { [param]: victimKey }, 2);
  const emailField = names.find((n) => /mail/i.test(n));
  if (emailField !== undefined) body[emailField] = `ghw${Date.now().toString(36)}@example.com`;
  const write = { ...values, body: names.length === 0 ? values.body : body };
  const sent = await sendOp(ctx, op, write, attacker.identity);
  if (!ok(sent.response.status)) return;
  const after = await readSelf(ctx, op, param, victimKey, victim);
  const hits = changed(before, after, body);
  if (hits.length === 0) return;
  const email = hits.find((h) => /mail/i.test(h));
  ctx.findings.add({
    ruleId: email === undefined ? 'bola-write.update-other-user' : 'bola-write.change-other-users-email', check: 'bola-write', severity: 'high', owasp: OWASP.API1,
    title: email === undefined ? 'Another user\'s account modified' : 'Another user\'s email address changed (account takeover through password reset)',
    operation: op.id, request: sent.request, response: sent.response,
    evidence: `"${attacker.identity.name}" sent ${op.method} ${op.path} with ${param}=${String(victimKey)} ("${victim.identity.name}"); "${victim.identity.name}" then read ${hits.map((h) => `${h}=${JSON.stringify(body[h])}`).join(', ')} on its own account`,
  });
  await restore(ctx, op, { ...write, path: { ...write.path, [param]: victimKey } }, before, hits, victim);
}

async function passwordWrite(ctx: ScanContext, op: Operation, param: string, field: string, victimKey: string | number, attacker: Party, victim: Party, props: Record<string, SchemaObject>): Promise<void> {
  // Only an account whose password the scanner knows can show the change (by logging in) and get it back.
  const account = victim.account;
  if (account === undefined || flowsOf(ctx).login === undefined) return;
  const fresh = `Gh7!${Date.now().toString(36)}pw`;
  rememberSecret(ctx, fresh, '[redacted]');
  const base = goodValues(ctx, op, attacker.identity.name);
  const body: Record<string, unknown> = base.body !== null && typeof base.body === 'object' ? { ...base.body as Record<string, unknown> } : {};
  for (const k of Object.keys(props)) if (/pass/i.test(k)) body[k] = fresh;
  body[field] = fresh;
  const values: RequestValues = { ...base, path: { ...base.path, [param]: victimKey }, body, mediaType: base.mediaType ?? preferredMediaType(op), attack: 'bola-write' };
  const sent = await sendOp(ctx, op, values, attacker.identity);
  if (!ok(sent.response.status)) return;
  const session = await logIn(ctx, account.login, fresh, account.username);
  if (session === undefined || !ok(session.sent.response.status)) {
    // A service that ignores the path changes the caller's own password: keep what the scanner knows true.
    if (attacker.account !== undefined && ok((await logIn(ctx, attacker.account.login, fresh))?.sent.response.status ?? 0)) attacker.account.password = fresh;
    return;
  }
  ctx.findings.add({
    ruleId: 'bola-write.change-other-users-password', check: 'bola-write', severity: 'critical', owasp: OWASP.API1,
    title: 'Another user\'s password changed (account takeover)', operation: op.id, request: sent.request, response: sent.response,
    evidence: `"${attacker.identity.name}" sent ${op.method} ${op.path} with ${param}=${String(victimKey)}, the scanner's own account "${account.username}"; logging in as "${account.username}" with the password "${attacker.identity.name}" chose then succeeded (${session.sent.response.status})`,
  });
  const back: Record<string, unknown> = { ...body };
  for (const k of Object.keys(props)) if (/pass/i.test(k)) back[k] = account.password;
  const restored = await sendOp(ctx, op, { ...values, body: back }, victim.identity);
  if (!ok(restored.response.status)) account.password = fresh;
}
