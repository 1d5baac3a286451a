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
import type { ScanContext, Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import { OWASP } from '../types.js';
import { sendEncoded } from './encode.js';
import { freshValues } from './fresh.js';
import { isStringy, type InputSpot } from './inputs.js';
import { defaultShapes, predict, shapesForPattern, superlinear, type AttackShape, type Point } from './redos-inputs.js';
import { allSpots, words } from './spots.js';

const SIZES: Record<AttackShape['kind'], readonly number[]> = {
  exponential: [12, 16, 20, 22, 24, 26, 28, 30, 32, 34, 36, 40, 48],
  polynomial: [1024, 2048, 4096, 8192, 16384, 32768],
};
const MAX_SPOTS = 8;
/** Enough evidence: no need to go slower than this. */
const ENOUGH_MS = 400;
/** Never send a size predicted to take longer than this. */
const HANG_GUARD_MS = 1500;

const TEXTUAL = /mail|url|uri|link|phone|tel|zip|postal|date|ip|host|domain|user|name|slug|code|version|color|regex|pattern|search|query|filter|title|subject|description|text|comment|message|body|content|note|address|tag|label/;
const FORMATS = new Set(['email', 'idn-email', 'uri', 'url', 'iri', 'hostname', 'idn-hostname', 'uri-reference']);

function priority(name: string, schema: SchemaObject): number | undefined {
  if (!isStringy(schema)) return undefined;
  if (typeof schema.pattern === 'string') return 0;
  if (FORMATS.has(String(schema.format))) return 1;
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
  for (const { op, spot } of targets(ctx)) {
    ctx.phase(`redos ${op.id} ${spot.name}`);
    const base = await asOwnUser(ctx, op, await freshValues(ctx, op, ctx.primary), ctx.primary);
    const baseline: number[] = [];
    for (let i = 0; i < 3; i++) baseline.push((await sendEncoded(ctx, op, base, ctx.primary)).response.elapsedMs);
    const baseMs = median(baseline);
    const pattern = typeof spot.schema.pattern === 'string' ? spot.schema.pattern : undefined;
    const local = pattern === undefined ? [] : shapesForPattern(pattern);
    const shapes = local.length > 0 ? local : defaultShapes(spot.name, spot.schema).slice(0, pattern === undefined ? 2 : 1);
    for (const shape of shapes) {
      if (await escalate(ctx, op, base, spot, shape, baseMs, local.includes(shape))) break;
    }
  }
}

async function escalate(ctx: ScanContext, op: Operation, base: RequestValues, spot: InputSpot, shape: AttackShape, baseMs: number, fromPattern: boolean): Promise<boolean> {
  const points: Point[] = [];
  let last: Sent | undefined;
  for (const n of SIZES[shape.kind]) {
    if (predict(points.map((p) => ({ n: p.n, ms: p.ms - baseMs })), n, shape.kind) > HANG_GUARD_MS) break;
    const sent = await sendEncoded(ctx, op, spot.set(base, shape.attack(n)), ctx.primary);
    // No answer: the target may be down or hung; stop here (outage handling is the engine's).
    if (sent.response.status === 0) return false;
    points.push({ n, ms: sent.response.elapsedMs });
    last = sent;
    if (sent.response.elapsedMs - baseMs >= ENOUGH_MS) break;
  }
  const fit = superlinear(points, baseMs, shape.kind);
  if (!fit.yes || last === undefined) return false;
  const top = points[points.length - 1] as Point;
  const again = await sendEncoded(ctx, op, spot.set(base, shape.attack(top.n)), ctx.primary);
  const control = await sendEncoded(ctx, op, spot.set(base, shape.control(top.n)), ctx.primary);
  const attackMs = Math.min(top.ms, again.response.elapsedMs) - baseMs;
  if (again.response.status === 0 || attackMs < 0.5 * (top.ms - baseMs) || control.response.elapsedMs - baseMs > attackMs / 3) return false;
  const series = points.filter((p) => p.ms - baseMs >= 5).map((p) => `${p.n}: ${Math.round(p.ms)} ms`).join(', ');
  ctx.findings.add({
    ruleId: 'redos.superlinear-time', check: 'redos', severity: shape.kind === 'exponential' ? 'high' : 'medium', owasp: OWASP.API4,
    title: 'Regular-expression denial of service', operation: op.id, request: again.request, response: again.response, key: `${spot.where}:${spot.name}`,
    evidence: `${spot.where} "${spot.name}" = ${shape.label}${fromPattern ? ' (a shape the spec\'s own pattern backtracks on)' : ''}: answer time grew ${shape.kind === 'exponential' ? 'exponentially' : 'polynomially'} with n (${series}; log-log slope ${fit.degree.toFixed(1)}; normal answer ${Math.round(baseMs)} ms), again ${Math.round(again.response.elapsedMs)} ms on a repeat, while a control of the same length took ${Math.round(control.response.elapsedMs)} ms. Escalation stopped before any request was predicted to exceed ${HANG_GUARD_MS} ms`,
  });
  return true;
}
