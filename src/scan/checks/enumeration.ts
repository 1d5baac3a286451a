/**
 * User enumeration (API2): login, password-reset and registration answers that tell an existing
 * account from an unknown one — by status, by body (with the names themselves and volatile parts
 * such as ids, tokens and times masked), or by time. Each comparison is made over repeated,
 * interleaved samples: a difference counts only when every sample of one side differs from every
 * sample of the other. Wrong-password logins and reset requests go to an account the scanner
 * registered itself where it can (no lockout or reset mail for a real user), and timing is only
 * measured on such an account.
 */
import type { Operation } from '../../openapi/index.js';
import { accountValues, flowsOf, freshName, freshPassword, ownedAccounts, profileOf } from '../accounts.js';
import type { FieldFlow, ResetFlow } from '../auth-flows.js';
import { goodValues, sendOp, type ScanContext, type Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import { OWASP, type Severity } from '../types.js';
import { snippet } from './judge.js';

interface Known { readonly username: string; readonly email: string | undefined; readonly owned: boolean }

const TIMING_SAMPLES = 8;
/** Differences below this are not reported: too small to exploit over a network. */
const MIN_TIMING_GAP_MS = 15;

/** A body with the account names and volatile values masked, so only the message remains. */
export function normaliseBody(body: string, names: readonly string[]): string {
  let s = body;
  for (const n of [...names].filter((x) => x.length >= 3).sort((a, b) => b.length - a.length)) s = s.split(n).join('<user>');
  return s.replace(/eyJ[\w-]+\.[\w-]+\.[\w-]*/g, '<jwt>')
    .replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi, '<uuid>')
    .replace(/\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:?\d\d)?/g, '<time>')
    .replace(/\b[0-9a-f]{16,}\b/gi, '<hex>').replace(/\d+(\.\d+)?/g, '#').replace(/\s+/g, ' ').trim();
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[m] as number : ((s[m - 1] as number) + (s[m] as number)) / 2;
}

/**
 * Whether two samples of response times are told apart: (nearly) every pair ordered the same way
 * (a Mann-Whitney U of at least 90 % of the pairs) and medians at least MIN_TIMING_GAP_MS apart.
 */
export function timingSeparates(a: readonly number[], b: readonly number[]): { separates: boolean; gapMs: number } {
  let above = 0;
  for (const x of a) for (const y of b) above += x > y ? 1 : x === y ? 0.5 : 0;
  const pairs = a.length * b.length;
  const gapMs = median(a) - median(b);
  const ordered = pairs > 0 && (above >= 0.9 * pairs || above <= 0.1 * pairs);
  return { separates: ordered && Math.abs(gapMs) >= MIN_TIMING_GAP_MS, gapMs };
}

/** Status or body difference between the samples for a known and an unknown account. */
export function answersDiffer(known: readonly Sent[], unknown: readonly Sent[], names: readonly string[]): string | undefined {
  const pairs = known.map((k, i) => [k, unknown[i]] as const).filter(([k, u]) => u !== undefined && k.response.status !== 429 && u.response.status !== 429 && k.response.status !== 0 && u.response.status !== 0);
  if (pairs.length === 0) return undefined;
  const ks = new Set(pairs.map(([k]) => k.response.status));
  const us = new Set(pairs.map(([, u]) => (u as Sent).response.status));
  if (ks.size === 1 && us.size === 1 && [...ks][0] !== [...us][0]) return `status ${[...ks][0] ?? ''} for the existing account, ${[...us][0] ?? ''} for an unknown one`;
  const kb = new Set(pairs.map(([k]) => normaliseBody(k.response.body, names)));
  const ub = new Set(pairs.map(([, u]) => normaliseBody((u as Sent).response.body, names)));
  if ([...kb].some((b) => ub.has(b))) return undefined;
  const [k0, u0] = pairs[0] as readonly [Sent, Sent | undefined];
  return `the existing account gets "${snippet(k0.response.body, 90)}", an unknown one "${snippet(u0?.response.body ?? '', 90)}"`;
}

async function knownAccount(ctx: ScanContext): Promise<Known | undefined> {
  const owned = (await ownedAccounts(ctx, 1))[0];
  if (owned !== undefined) return { username: owned.username, email: owned.email, owned: true };
  if (ctx.primary === undefined) return undefined;
  const p = await profileOf(ctx, ctx.primary);
  const username = p.username ?? p.email;
  return username === undefined ? undefined : { username, email: p.email, owned: false };
}

/** An unknown account shaped like the known one (an email for an email, a similar name otherwise). */
function unknownLike(ctx: ScanContext, value: string): string {
  const name = freshName(ctx);
  const at = value.indexOf('@');
  return at > 0 ? `${name}${value.slice(at)}` : name;
}

function report(ctx: ScanContext, op: Operation, rule: string, severity: Severity, title: string, sent: Sent, evidence: string): void {
  ctx.findings.add({ ruleId: `enumeration.${rule}`, check: 'enumeration', severity, owasp: OWASP.API2, title, operation: op.id, request: sent.request, response: sent.response, evidence });
}

/** Sends known/unknown requests interleaved, so drift in the target's speed hits both sides alike. */
async function samples(ctx: ScanContext, op: Operation, make: (who: 'known' | 'unknown') => RequestValues, n: number): Promise<{ known: Sent[]; unknown: Sent[] }> {
  const known: Sent[] = [];
  const unknown: Sent[] = [];
  for (let i = 0; i < n; i++) {
    known.push(await sendOp(ctx, op, make('known'), undefined));
    unknown.push(await sendOp(ctx, op, make('unknown'), undefined));
  }
  return { known, unknown };
}

async function compare(ctx: ScanContext, op: Operation, what: string, known: Known, make: (who: 'known' | 'unknown') => RequestValues, names: string[]): Promise<void> {
  const first = await samples(ctx, op, make, known.owned ? 3 : 2);
  const differ = answersDiffer(first.known, first.unknown, names);
  if (differ !== undefined) {
    report(ctx, op, what, 'medium', `User enumeration through ${what}`, first.known[0] as Sent,
      `${op.method} ${op.path} answers differently for an account that exists and one that does not: ${differ}`);
    return;
  }
  if (!known.owned) return;
  const ms = (s: Sent[]): number[] => s.filter((x) => x.response.status !== 0 && x.response.status !== 429).map((x) => x.response.elapsedMs);
  const rounds = [await samples(ctx, op, make, TIMING_SAMPLES)];
  if (!timingSeparates(ms(rounds[0]?.known ?? []), ms(rounds[0]?.unknown ?? [])).separates) return;
  // A second round must agree: one burst of load on a busy machine can order eight pairs by chance.
  rounds.push(await samples(ctx, op, make, TIMING_SAMPLES));
  const all = { known: rounds.flatMap((r) => ms(r.known)), unknown: rounds.flatMap((r) => ms(r.unknown)) };
  const verdict = timingSeparates(all.known, all.unknown);
  if (!verdict.separates) return;
  report(ctx, op, `${what}-timing`, 'low', `User enumeration through ${what} response time`, rounds[1]?.known[0] as Sent,
    `${op.method} ${op.path} answers an existing account ${Math.round(Math.abs(verdict.gapMs))} ms ${verdict.gapMs > 0 ? 'slower' : 'faster'} than an unknown one (median of ${all.known.length} interleaved samples each; status and body are the same)`);
}

export async function enumerationCheck(ctx: ScanContext): Promise<void> {
  const flows = flowsOf(ctx);
  if (flows.login === undefined && flows.reset === undefined && flows.register === undefined) return;
  const known = await knownAccount(ctx);
  if (known === undefined) {
    ctx.note('enumeration: no account known to exist (no registration and no identity whose name could be read); skipped');
    return;
  }
  const names = [known.username, known.email ?? ''].filter(Boolean);
  if (flows.login !== undefined) {
    ctx.phase(`enumeration ${flows.login.op.id}`);
    await compare(ctx, flows.login.op, 'login', known, loginMaker(ctx, flows.login, known, names), names);
  }
  if (flows.reset !== undefined) {
    ctx.phase(`enumeration ${flows.reset.op.id}`);
    await compare(ctx, flows.reset.op, 'password-reset', known, resetMaker(ctx, flows.reset, known, names), names);
  }
  if (flows.register !== undefined) {
    ctx.phase(`enumeration ${flows.register.op.id}`);
    await registration(ctx, flows.register, known, names);
  }
}

function loginMaker(ctx: ScanContext, flow: FieldFlow, known: Known, names: string[]): (who: 'known' | 'unknown') => RequestValues {
  const byEmail = flow.userField === undefined || /mail/i.test(flow.userField);
  const value = byEmail && known.email !== undefined ? known.email : known.username;
  const other = unknownLike(ctx, value);
  names.push(other);
  const password = freshPassword();
  return (who) => {
    const login = who === 'known' ? value : other;
    return accountValues(ctx, flow, { login, email: login, username: login, password });
  };
}

function resetMaker(ctx: ScanContext, flow: ResetFlow, known: Known, names: string[]): (who: 'known' | 'unknown') => RequestValues {
  const value = flow.kind === 'email' ? known.email ?? known.username : known.username;
  const other = unknownLike(ctx, value);
  names.push(other);
  const base = goodValues(ctx, flow.op);
  return (who) => {
    const v = who === 'known' ? value : other;
    if (flow.where === 'body') {
      const body = base.body !== null && typeof base.body === 'object' ? base.body as Record<string, unknown> : {};
      return { ...base, body: { ...body, [flow.field]: v }, mediaType: base.mediaType ?? flow.media };
    }
    return { ...base, [flow.where]: { ...base[flow.where], [flow.field]: v } };
  };
}

async function registration(ctx: ScanContext, flow: FieldFlow, known: Known, names: string[]): Promise<void> {
  const fresh = freshName(ctx);
  names.push(fresh, `${fresh}@example.com`);
  const make = (username: string, email: string): RequestValues => accountValues(ctx, flow, { login: username, username, email, password: freshPassword() });
  const existing = await sendOp(ctx, flow.op, make(known.username, known.email ?? `${known.username}@example.com`), undefined);
  const unknown = await sendOp(ctx, flow.op, make(fresh, `${fresh}@example.com`), undefined);
  const differ = answersDiffer([existing], [unknown], names);
  if (differ === undefined) return;
  report(ctx, flow.op, 'registration', 'low', 'User enumeration through registration', existing,
    `${flow.op.method} ${flow.op.path} tells a taken account name from a free one: ${differ}. (Answering both alike and telling the owner by email avoids this.)`);
}
