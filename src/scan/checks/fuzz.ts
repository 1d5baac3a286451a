/**
 * Fuzzing: schema-valid inputs (with boundary values mixed in) and invalid ones (one mutation
 * each). A crash, timeout, 5xx or a response violating its declared schema fails the property;
 * fast-check then shrinks the input to a minimal one, within a small request allowance.
 * A 2xx to an invalid input is a warning: the spec describes the input but rarely says it must
 * be refused.
 */
import fc from 'fast-check';
import type { Operation } from '../../openapi/index.js';
import { sendOp, withKnownIds, type ScanContext, type Sent } from '../context.js';
import { BudgetExhausted } from '../http.js';
import { mutationsFor, UNICODE_EDGES } from '../mutate.js';
import { validValues, type RequestValues } from '../request.js';
import { OWASP } from '../types.js';
import { robustnessProblem, type Problem } from './judge.js';

/** Requests one operation's shrinking may spend: a minimal input is worth little past this. */
const SHRINK_ALLOWANCE = 40;

export async function fuzzCheck(ctx: ScanContext): Promise<void> {
  let i = 0;
  for (const op of ctx.operations) {
    ctx.phase(`fuzz ${op.id}`);
    await fuzzOperation(ctx, op, 'valid', i);
    await fuzzOperation(ctx, op, 'invalid', i);
    i++;
  }
}

async function fuzzOperation(ctx: ScanContext, op: Operation, mode: 'valid' | 'invalid', index: number): Promise<void> {
  const identity = ctx.primary;
  const valid = validValues(op, { boundaries: true }).map((v) => withKnownIds(ctx, op, v, identity?.name));
  let arb: fc.Arbitrary<RequestValues> = valid;
  if (mode === 'invalid') {
    const mutations = mutationsFor(op);
    if (mutations.length === 0) return;
    arb = fc.tuple(valid, fc.nat({ max: mutations.length - 1 }), fc.constantFrom(...UNICODE_EDGES))
      .map(([v, m, u]) => (mutations[m] as (typeof mutations)[number]).apply(v, u));
  }
  let failures = 0;
  let exhausted: BudgetExhausted | undefined;
  let last: { sent: Sent; problem: Problem; values: RequestValues } | undefined;
  const property = fc.asyncProperty(arb, async (values) => {
    if (exhausted !== undefined || failures > SHRINK_ALLOWANCE) return true;
    let sent: Sent;
    try {
      sent = await sendOp(ctx, op, values, identity);
    } catch (error) {
      if (error instanceof BudgetExhausted) { exhausted = error; return true; }
      throw error;
    }
    const problem = robustnessProblem(ctx, op, sent.response);
    if (problem !== undefined) {
      failures++;
      last = { sent, problem, values };
      return false;
    }
    if (mode === 'invalid' && sent.response.status >= 200 && sent.response.status < 300 && values.note !== undefined) {
      ctx.findings.add({
        ruleId: 'fuzz.accepts-invalid-input', kind: 'warning', check: 'fuzz', severity: 'low', owasp: OWASP.API8,
        title: 'Invalid input accepted', operation: op.id, request: sent.request, response: sent.response,
        evidence: `answered ${sent.response.status} to an input the spec does not allow (${values.note})`,
      });
    } else if (!(ctx.validators(op)?.declaresStatus(sent.response.status) ?? true)) {
      ctx.findings.add({
        ruleId: 'fuzz.undeclared-status', kind: 'warning', check: 'fuzz', severity: 'info', owasp: OWASP.API8,
        title: 'Status code not declared in the spec', operation: op.id, request: sent.request, response: sent.response,
        evidence: `answered ${sent.response.status}, which the operation does not declare`, key: String(sent.response.status),
      });
    }
    return true;
  });
  const runs = Math.max(1, Math.min(ctx.tuning.fuzzRuns, Math.floor(ctx.client.remaining / 4)));
  const result = await fc.check(property, { seed: ctx.seed + index * 2 + (mode === 'invalid' ? 1 : 0), numRuns: runs, endOnFailure: false });
  if (last !== undefined) {
    const { sent, problem, values } = last;
    const input = values.note === undefined ? 'a valid input' : `an invalid input (${values.note})`;
    const shrunk = result.numShrinks > 0 ? `; shrunk in ${result.numShrinks} step(s) to the input in the request` : '';
    ctx.findings.add({
      ruleId: problem.ruleId, check: 'fuzz', severity: problem.severity, owasp: OWASP.API8,
      title: problem.title, operation: op.id, request: sent.request, response: sent.response,
      evidence: `${op.method} ${op.path} with ${input}: ${problem.detail}${shrunk}`, key: mode,
    });
  }
  if (exhausted !== undefined) throw exhausted;
}
