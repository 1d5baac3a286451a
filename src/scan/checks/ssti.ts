/**
 * Server-side template injection (API8): string inputs get an arithmetic expression in the syntax
 * of each common template family, each with its own product of two primes (7919 x 7907, ...). The
 * product appearing in an answer — the one to the request, or a later read of the object the
 * request created (templates are often rendered on display, not on input) — proves evaluation:
 * the digits are not in anything the scanner sent, nor in the normal answer. The product names the
 * syntax that worked.
 */
import type { Operation } from '../../openapi/index.js';
import { asOwnUser } from '../accounts.js';
import { goodValues, sendOp, type ScanContext, type Sent } from '../context.js';
import { senderFor } from '../credential-writes.js';
import { idOf } from '../resources.js';
import { OWASP } from '../types.js';
import { allowance } from './allowance.js';
import { freshValues } from './fresh.js';
import type { InputSpot } from './inputs.js';
import { allSpots } from './spots.js';

interface Syntax { readonly family: string; readonly expr: (a: number, b: number) => string; readonly b: number }

const A = 7919;
/** One multiplier per syntax, so the product says which one the service evaluated. */
export const SYNTAXES: readonly Syntax[] = [
  { family: 'Jinja2 / Twig / Nunjucks / Handlebars-like ({{ }})', expr: (a, b) => `{{${a}*${b}}}`, b: 7907 },
  { family: 'JavaScript template literal / Freemarker / Mako / JSP EL (${ })', expr: (a, b) => `\${${a}*${b}}`, b: 7901 },
  { family: 'EJS / ERB / ASP (<%= %>)', expr: (a, b) => `<%=${a}*${b}%>`, b: 7883 },
  { family: 'Pug / Ruby string interpolation (#{ })', expr: (a, b) => `#{${a}*${b}}`, b: 7879 },
  { family: 'Spring EL / Thymeleaf selection (*{ })', expr: (a, b) => `*{${a}*${b}}`, b: 7877 },
  { family: 'Razor (@( ))', expr: (a, b) => `@(${a}*${b})`, b: 7873 },
];

const product = (s: Syntax): string => String(A * s.b);
const polyglot = (): string => SYNTAXES.map((s) => s.expr(A, s.b)).join(' ');

const MAX_OPERATIONS = 40;
const MAX_SPOTS_PER_OP = 6;
const MAX_REQUESTS = 300;

/** The syntax whose product shows in a body (and did not in the normal one). */
export function evaluated(body: string, normal: string): Syntax | undefined {
  return SYNTAXES.find((s) => body.includes(product(s)) && !normal.includes(product(s)));
}

function report(ctx: ScanContext, op: Operation, spot: InputSpot, sent: Sent, syntax: Syntax, where: string): void {
  ctx.findings.add({
    ruleId: 'ssti.evaluated', check: 'ssti', severity: 'high', owasp: OWASP.API8,
    title: 'Server-side template injection', operation: op.id, request: sent.request, response: sent.response, key: `${spot.where}:${spot.name}`,
    evidence: `${spot.where} "${spot.name}" carried ${JSON.stringify(syntax.expr(A, syntax.b))} (${syntax.family}); ${where} contains ${product(syntax)}, the evaluated product. Template engines that evaluate input can usually run code`,
  });
}

/** GET operations that show an object the create just made: its read and its sub-resources (preview, render, export). */
function displays(ctx: ScanContext, op: Operation): { read: Operation; param: string }[] {
  const r = ctx.resources.find((x) => x.create === op);
  if (r === undefined) return [];
  const prefix = `${r.collection}/{${r.param}}`;
  return ctx.operations.filter((o) => o.method === 'GET' && (o.path === prefix || (o.path.startsWith(`${prefix}/`) && !o.path.slice(prefix.length).includes('{'))))
    .slice(0, 4).map((read) => ({ read, param: r.param }));
}

export async function sstiCheck(ctx: ScanContext): Promise<void> {
  const more = allowance(ctx, MAX_REQUESTS);
  for (const op of ctx.operations.slice(0, MAX_OPERATIONS)) {
    if (!more()) break;
    const spots = allSpots(op).slice(0, MAX_SPOTS_PER_OP);
    if (spots.length === 0) continue;
    const sender = await senderFor(ctx, op);
    if ('skip' in sender) continue;
    const who = sender.identity;
    ctx.phase(`ssti ${op.id}`);
    const base = await asOwnUser(ctx, op, await freshValues(ctx, op, who), who);
    const normal = await sendOp(ctx, op, base, who);
    const shows = displays(ctx, op);
    for (const spot of spots) {
      const sent = await sendOp(ctx, op, spot.set(base, polyglot()), who);
      const direct = evaluated(sent.response.body, normal.response.body);
      if (direct !== undefined) {
        report(ctx, op, spot, sent, direct, 'the answer');
        continue;
      }
      const id = sent.response.status >= 200 && sent.response.status < 300 ? idOf(sent.response.json, shows[0]?.param ?? 'id') : undefined;
      if (id === undefined) continue;
      for (const { read, param } of shows) {
        const readBase = goodValues(ctx, read, ctx.primary?.name);
        const shown = await sendOp(ctx, read, { ...readBase, path: { ...readBase.path, [param]: id } }, ctx.primary);
        const stored = evaluated(shown.response.body, normal.response.body);
        if (stored === undefined) continue;
        report(ctx, op, spot, sent, stored, `${read.method} ${read.path} of the object it created (${param}=${String(id)})`);
        break;
      }
    }
  }
}
