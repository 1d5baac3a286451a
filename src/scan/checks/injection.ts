/**
 * Injection: error-based SQL (a quote makes a database error appear that neither the baseline nor
 * the same quote doubled, which SQL reads as an escaped quote, shows), time-based SQL, OS command
 * and template injection (timing.ts: the delay must follow the number in the payload), NoSQL
 * operators (an operator object turns a refusal into a success or returns more records) and
 * reflected script in HTML responses.
 */
import type { Operation } from '../../openapi/index.js';
import { goodValues, sendOp, type ScanContext, type Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import { itemsOf } from '../resources.js';
import { OWASP, type Identity } from '../types.js';
import { confine, senderFor } from '../credential-writes.js';
import { inputSpots, type InputSpot } from './inputs.js';
import { snippet } from './judge.js';
import { BASELINE_SAMPLES, median, reportTiming, timeBased } from './timing.js';
import { verboseErrorSignature } from './misconfig.js';

const SQL_ERROR = /SQLITE_ERROR|SqliteError|unrecognized token|SQL syntax|syntax error at or near|unterminated quoted string|ORA-\d{5}|SQLSTATE|unclosed quotation mark|near "[^"]*": syntax error|quoted string not properly terminated|PG::SyntaxError|psycopg2\.|mysql_fetch|ODBC SQL/i;

const XSS_MARKER = 'gh7x"><script>ghScan(7)</script>';
const ok = (s: number): boolean => s >= 200 && s < 300;

export async function injectionCheck(ctx: ScanContext): Promise<void> {
  for (const op of ctx.operations.slice(0, 40)) {
    const spots = inputSpots(op).slice(0, 6);
    if (spots.length === 0) continue;
    const sender = await senderFor(ctx, op);
    if ('skip' in sender) continue;
    const who = sender.identity;
    ctx.phase(`injection ${op.id}`);
    const base = await confine(ctx, op, goodValues(ctx, op, who?.name), sender);
    const baseline = await sendOp(ctx, op, base, who);
    let timings: number[] | undefined;
    for (const spot of spots) {
      await errorBased(ctx, op, who, base, baseline, spot);
      await reflectedScript(ctx, op, who, base, spot);
      if (spot.where === 'body' || spot.where === 'query') await nosql(ctx, op, who, base, spot);
      timings ??= await baselineTimes(ctx, op, who, base, baseline);
      if (timings === undefined) continue;
      const found = await timeBased(ctx, op, who, base, spot, median(timings));
      if (found !== undefined) reportTiming(ctx, op, spot, found, median(timings));
    }
    // A login-style check matches every field: an operator has to go into all of them at once.
    const body = spots.filter((s) => s.where === 'body');
    if (body.length > 1) {
      await nosql(ctx, op, who, base, {
        where: 'body', name: body.map((s) => s.name).join('+'), schema: {},
        set: (v, value) => body.reduce((acc, s) => s.set(acc, value), v),
      });
    }
  }
}

function report(ctx: ScanContext, op: Operation, spot: InputSpot, sent: Sent, rule: string, severity: 'high' | 'medium' | 'critical', title: string, evidence: string): void {
  ctx.findings.add({ ruleId: rule, check: 'injection', severity, owasp: OWASP.API8, title, operation: op.id, request: sent.request, response: sent.response, evidence, key: `${spot.where}:${spot.name}` });
}

/** Answer times of the unmodified request: the baseline the delays are measured against. */
async function baselineTimes(ctx: ScanContext, op: Operation, who: Identity | undefined, base: RequestValues, first: Sent): Promise<number[] | undefined> {
  const times = [first.response.elapsedMs];
  for (let i = 1; i < BASELINE_SAMPLES; i++) {
    const r = (await sendOp(ctx, op, base, who)).response;
    // A baseline that times out or takes the target down measures nothing.
    if (r.error !== undefined || r.outage === true) return undefined;
    times.push(r.elapsedMs);
  }
  return first.response.error === undefined ? times : undefined;
}

async function errorBased(ctx: ScanContext, op: Operation, who: Identity | undefined, base: RequestValues, baseline: Sent, spot: InputSpot): Promise<void> {
  if (SQL_ERROR.test(baseline.response.body)) return;
  for (const quote of [`gh'`, `gh"`]) {
    const sent = await sendOp(ctx, op, spot.set(base, quote), who);
    const m = SQL_ERROR.exec(sent.response.body);
    if (m === null) continue;
    // The quote doubled is an escaped quote to SQL: an error that shows for it too is not the quote's.
    const doubled = await sendOp(ctx, op, spot.set(base, `${quote}${quote.slice(-1)}`), who);
    if (SQL_ERROR.test(doubled.response.body)) continue;
    report(ctx, op, spot, sent, 'injection.sql-error', 'high', 'SQL injection (error-based)',
      `${spot.where} "${spot.name}" = ${quote} made the service answer ${sent.response.status} with a database error: "${snippet(verboseErrorSignature(sent.response.body) ?? m[0], 100)}"; the quote doubled (${quote}${quote.slice(-1)}) answered ${doubled.response.status} without one`);
    return;
  }
}

async function reflectedScript(ctx: ScanContext, op: Operation, who: Identity | undefined, base: RequestValues, spot: InputSpot): Promise<void> {
  const sent = await sendOp(ctx, op, spot.set(base, XSS_MARKER), who);
  const type = sent.response.headers['content-type'] ?? '';
  if ((type === '' || /html|xml/i.test(type)) && sent.response.body.includes('<script>ghScan(7)</script>')) {
    report(ctx, op, spot, sent, 'injection.reflected-script', 'medium', 'Reflected script injection (XSS)',
      `${spot.where} "${spot.name}" is reflected unescaped into a ${type || 'untyped'} response: a <script> element sent in it comes back as markup`);
  }
}

async function nosql(ctx: ScanContext, op: Operation, who: Identity | undefined, base: RequestValues, spot: InputSpot): Promise<void> {
  const control = await sendOp(ctx, op, spot.set(base, 'gh-no-such-value-7'), who);
  // A service that ignores a value it cannot parse (`name[$ne]=x` read as no `name`) answers as
  // if the input were absent: that is not injection, so absence is a second control.
  const absent = await sendOp(ctx, op, spot.set(base, undefined), who);
  const count = (r: Sent): number => itemsOf(r.response.json).length;
  for (const operator of [{ $ne: 'gh-no-such-value-7' }, { $gt: '' }]) {
    const sent = await sendOp(ctx, op, spot.set(base, operator), who);
    if (!ok(sent.response.status)) continue;
    const gained = !ok(control.response.status) && !ok(absent.response.status);
    const more = ok(control.response.status) && count(sent) > count(control) && (!ok(absent.response.status) || count(sent) > count(absent));
    if (!gained && !more) continue;
    report(ctx, op, spot, sent, 'injection.nosql-operator', 'high', 'NoSQL operator injection',
      `${spot.where} "${spot.name}" = ${JSON.stringify(operator)} answered ${sent.response.status}${more ? ` with ${itemsOf(sent.response.json).length} records (a plain non-matching value: ${itemsOf(control.response.json).length})` : ` where a plain non-matching value got ${control.response.status}`}`);
    return;
  }
}
