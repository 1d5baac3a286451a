/**
 * Regular-expression denial of service (API4): free-text and patterned string inputs get attack
 * strings of escalating length. A finding needs the answer time to grow super-linearly with the
 * length (fitted over several sizes, above the operation's normal answer time), the largest
 * size to stay slow when sent again, and a control of the same length that cannot backtrack to
 * stay fast — so a slow service or a large body is not mistaken for a regex. Each next size is
 * predicted from the last two; a size predicted to take longer than HANG_GUARD_MS is never sent,
 * so the check stops before it hangs the target.
 */
import type { Operation, SchemaObject } from '../../openapi/index.js';
import { asOwnUser } from '../accounts.js';
import { sendOp, type ScanContext } from '../context.js';
import type { RequestValues } from '../request.js';
import { OWASP, type Identity } from '../types.js';
import { senderFor } from '../credential-writes.js';
import { allowance } from './allowance.js';
import { freshValues } from './fresh.js';
import { isStringy, type InputSpot } from './inputs.js';
import { defaultShapes, predict, shapesForPattern, superlinear, type AttackShape, type Point } from './redos-inputs.js';
import { allSpots, words } from './spots.js';

const MAX_SPOTS = 8;
const MAX_REQUESTS = 250;
/** Enough evidence: no need to go slower than this. */
const ENOUGH_MS = 400;
/** Never send a size predicted to take longer than this. */
const HANG_GUARD_MS = 1500;

const TEXTUAL = /mail|url|uri|link|phone|tel|zip|postal|date|ip|host|domain|user|name|slug|code|version|color|regex|pattern|search|query|filter|title|subject|description|text|comment|message|body|content|note|address|tag|label/;
const FORMATS = new Set(['email', 'idn-email', 'uri', 'url', 'iri', 'hostname', 'idn-hostname', 'uri-reference']);

function priority(name: string, schema: SchemaObject): number | undefined {
  if (!isStringy(schema)) return undefined;
  if (typeof schema.pattern === 'string') return 0;
  // Fields validated by hand-written expressions first: addresses, URLs, hosts.
  if (FORMATS.has(String(schema.format)) || /mail|url|uri|link|host|domain|website/.test(words(name))) return 1;
  if (/^q$/i.test(name) || TEXTUAL.test(words(name))) return 2;
  return undefined;
}

interface Target { readonly op: Operation; readonly spot: InputSpot; readonly rank: number }

function targets(ctx: ScanContext): Target[] {
  const out: Target[] = [];
  for (const op of ctx.operations) {
    const spots = allSpots(op, (n, s) => priority(n, s) !== undefined);
    for (const spot of spots.slice(0, 3)) out.push({ op, spot, rank: priority(spot.name, spot.schema) ?? 3 });
  }
  return out.sort((a, b) => a.rank - b.rank).slice(0, MAX_SPOTS);
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export async function redosCheck(ctx: ScanContext): Promise<void> {
  const more = allowance(ctx, MAX_REQUESTS);
  for (const { op, spot } of targets(ctx)) {
    if (!more()) break;
    const sender = await senderFor(ctx, op);
    if ('skip' in sender) continue;
    const who = sender.identity;
    ctx.phase(`redos ${op.id} ${spot.name}`);
    const base = await asOwnUser(ctx, op, await freshValues(ctx, op, who), who);
    const baseline: number[] = [];
    for (let i = 0; i < 3; i++) baseline.push((await sendOp(ctx, op, base, who)).response.elapsedMs);
    const baseMs = median(baseline);
    const pattern = typeof spot.schema.pattern === 'string' ? spot.schema.pattern : undefined;
    const local = pattern === undefined ? [] : shapesForPattern(pattern);
    const shapes = local.length > 0 ? local : defaultShapes(spot.name, spot.schema).slice(0, pattern === undefined ? 2 : 1);
    for (const shape of shapes) {
      if (await escalate(ctx, op, who, base, spot, shape, baseMs, local.includes(shape))) break;
    }
  }
}

/** The next length to try: big steps while answers are fast, one character at a time once they slow down. */
function nextSize(kind: AttackShape['kind'], n: number, excessMs: number): number {
  if (kind === 'polynomial') return excessMs < 60 ? n * 2 : Math.round(n * 1.4);
  return n + (excessMs < 8 ? 3 : excessMs < 60 ? 2 : 1);
}

async function escalate(ctx: ScanContext, op: Operation, who: Identity | undefined, base: RequestValues, spot: InputSpot, shape: AttackShape, baseMs: number, fromPattern: boolean): Promise<boolean> {
  const points: Point[] = [];
  const excess = (): Point[] => points.map((p) => ({ n: p.n, ms: p.ms - baseMs }));
  const [first, max] = shape.kind === 'exponential' ? [12, 48] : [1024, 32768];
  for (let n = first; n <= max;) {
    if (predict(excess(), n, shape.kind) > HANG_GUARD_MS) {
      // One finer step before giving up: the jump may have been what looked too slow.
      const prev = points[points.length - 1]?.n ?? first;
      const finer = shape.kind === 'exponential' ? prev + 1 : Math.round(prev * 1.2);
      if (finer >= n || predict(excess(), finer, shape.kind) > HANG_GUARD_MS) break;
      n = finer;
    }
    const sent = await sendOp(ctx, op, spot.set(base, shape.attack(n)), who);
    // No answer: the target may be down or hung; stop here (outage handling is the engine's).
    if (sent.response.status === 0) return false;
    points.push({ n, ms: sent.response.elapsedMs });
    if (sent.response.elapsedMs - baseMs >= ENOUGH_MS) break;
    n = nextSize(shape.kind, n, sent.response.elapsedMs - baseMs);
  }
  if (points.length === 0) return false;
  const fit = superlinear(points, baseMs, shape.kind);
  if (!fit.yes) return false;
  const top = points[points.length - 1] as Point;
  const again = await sendOp(ctx, op, spot.set(base, shape.attack(top.n)), who);
  const control = await sendOp(ctx, op, spot.set(base, shape.control(top.n)), who);
  const attackMs = Math.min(top.ms, again.response.elapsedMs) - baseMs;
  if (again.response.status === 0 || attackMs < 0.4 * (top.ms - baseMs) || control.response.elapsedMs - baseMs > attackMs / 3) return false;
  const series = points.filter((p) => p.ms - baseMs >= 5).map((p) => `${p.n}: ${Math.round(p.ms)} ms`).join(', ');
  ctx.findings.add({
    ruleId: 'redos.superlinear-time', check: 'redos', severity: shape.kind === 'exponential' ? 'high' : 'medium', owasp: OWASP.API4,
    title: 'Regular-expression denial of service', operation: op.id, request: again.request, response: again.response, key: `${spot.where}:${spot.name}`,
    evidence: `${spot.where} "${spot.name}" = ${shape.label}${fromPattern ? ' (a shape the spec\'s own pattern backtracks on)' : ''}: answer time grew ${shape.kind === 'exponential' ? 'exponentially' : 'polynomially'} with n (${series}; log-log slope ${fit.degree.toFixed(1)}; normal answer ${Math.round(baseMs)} ms), again ${Math.round(again.response.elapsedMs)} ms on a repeat, while a control of the same length took ${Math.round(control.response.elapsedMs)} ms. Escalation stopped before any request was predicted to exceed ${HANG_GUARD_MS} ms`,
  });
  return true;
}
