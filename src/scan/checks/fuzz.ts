/**
 * Fuzzing: schema-valid inputs (with boundary values mixed in) and invalid ones (one mutation
 * each). A crash, timeout, 5xx or a response violating its declared schema fails the property;
 * fast-check then shrinks the input to a minimal one, within a small request allowance.
 * A 2xx to an invalid input is a warning: the spec describes the input but rarely says it must
 * be refused.
 */
import fc from 'fast-check';
import type { Operation } from '../../openapi/index.js';
import { specViolation } from '../conformance.js';
import { sendOp, withKnownIds, type ScanContext, type Sent } from '../context.js';
import { ScanHalt } from '../errors.js';
import { mutationsFor, UNICODE_EDGES } from '../mutate.js';
import { validValues, type RequestValues } from '../request.js';
import { OWASP } from '../types.js';
import { confine, senderFor } from '../credential-writes.js';
import { robustnessProblem, type Problem } from './judge.js';

/** Requests one operation's shrinking may spend: a minimal input is worth little past this. */
const SHRINK_ALLOWANCE = 40;
/** Mutations tried one by one per operation; past this, random runs pick among them. */
const MAX_MUTATIONS = 40;
/** fast-check rounds per operation in invalid mode: each can report one more distinct problem. */
const MAX_ROUNDS = 5;

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
  const sender = await senderFor(ctx, op);
  if ('skip' in sender) return;
  const identity = sender.identity;
  const valid = validValues(op, { boundaries: true }).map((v) => withKnownIds(ctx, op, v, identity?.name));
  const mutations = mode === 'invalid' ? mutationsFor(op) : [];
  if (mode === 'invalid' && mutations.length === 0) return;
  const seed = ctx.seed + index * 2 + (mode === 'invalid' ? 1 : 0);
  // Every mutation is tried once on its own valid sample (fast-check `examples`), then random ones.
  const samples = mutations.length === 0 ? [] : fc.sample(valid, { seed, numRuns: Math.min(mutations.length, MAX_MUTATIONS) });
  const examples: [RequestValues, number, string][] = samples.map((v, i) => [v, i, UNICODE_EDGES[i % UNICODE_EDGES.length] as string]);
  const arb = fc.tuple(valid, fc.nat({ max: Math.max(0, mutations.length - 1) }), fc.constantFrom(...UNICODE_EDGES));
  const inputOf = ([v, m, u]: [RequestValues, number, string]): RequestValues => {
    const mutation = mutations[m];
    return mutation === undefined ? v : mutation.apply(v, u);
  };
  let failures = 0;
  let firstFailure = 0;
  let exhausted: ScanHalt | undefined;
  // The target went down during this operation: it is reported once (liveness.ts) and this
  // operation is not sent again here, neither to shrink nor to go on.
  let wentDown = false;
  let last: { sent: Sent; problem: Problem; values: RequestValues } | undefined;
  const property = fc.asyncProperty(arb, async (input) => {
    const values = await confine(ctx, op, inputOf(input), sender);
    if (exhausted !== undefined || wentDown || failures > SHRINK_ALLOWANCE) return true;
    let sent: Sent;
    try {
      sent = await sendOp(ctx, op, values, identity);
    } catch (error) {
      if (error instanceof ScanHalt) { exhausted = error; return true; }
      throw error;
    }
    if (sent.response.outage === true) { wentDown = true; return true; }
    const problem = robustnessProblem(ctx, op, sent.response, sent.request);
    if (problem !== undefined) {
      if (failures === 0) firstFailure = input[1];
      failures++;
      last = { sent, problem, values };
      return false;
    }
    // Only where the spec's own validator refuses the input: a value it leaves unconstrained is allowed.
    const violation = mode === 'invalid' && sent.response.status >= 200 && sent.response.status < 300 && values.invalid === true
      ? specViolation(ctx, op, values, sent.request) : undefined;
    if (violation !== undefined) {
      ctx.findings.add({
        ruleId: 'fuzz.accepts-invalid-input', kind: 'warning', check: 'fuzz', severity: 'low', owasp: OWASP.API8,
        title: 'Invalid input accepted', operation: op.id, request: sent.request, response: sent.response,
        evidence: `answered ${sent.response.status} to an input the spec does not allow (${values.note}: ${violation})`,
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
  // fast-check stops at the first failure; the remaining mutations get further rounds so one
  // failing input does not hide a different problem behind it.
  let start = 0;
  for (let round = 0; round < MAX_ROUNDS && exhausted === undefined; round++) {
    failures = 0;
    last = undefined;
    const pending = examples.slice(start).map((e) => [e] as [typeof e]);
    const result = await fc.check(property, { seed: seed + round * 7919, numRuns: (round === 0 ? runs : 0) + pending.length, examples: pending });
    if (last !== undefined) await report(ctx, op, mode, last, result.numShrinks);
    if (!result.failed || mode === 'valid') break;
    start = Math.max(start, firstFailure) + 1;
    if (start >= examples.length) break;
  }
  if (exhausted !== undefined) throw exhausted;
}

/**
 * Files the (shrunk) failure. A timeout is sent once more first: a slow moment of a busy service
 * is not evidence, a second timeout on the same request is. A 5xx is high when the spec allows the
 * request and medium when it does not (the service failed to refuse bad input).
 */
async function report(ctx: ScanContext, op: Operation, mode: string, failure: { sent: Sent; problem: Problem; values: RequestValues }, shrinks: number): Promise<void> {
  const { sent, problem, values } = failure;
  if (problem.ruleId === 'fuzz.timeout') {
    let again;
    try {
      again = await ctx.client.send(sent.request, op.id);
    } catch (error) {
      if (error instanceof ScanHalt) return;
      throw error;
    }
    if (again.error !== 'timeout' || again.outage === true) return;
  }
  const violation = specViolation(ctx, op, values, sent.request);
  const severity = problem.ruleId === 'fuzz.server-error' && violation !== undefined ? 'medium' : problem.severity;
  const input = violation === undefined ? (values.note === undefined ? 'a valid input' : `an unusual input the spec allows (${values.note})`) : `an invalid input (${values.note ?? violation})`;
  const shrunk = shrinks > 0 ? `; shrunk in ${shrinks} step(s) to the input in the request` : '';
  ctx.findings.add({
    ruleId: problem.ruleId, check: 'fuzz', severity, owasp: OWASP.API8,
    title: problem.title, operation: op.id, request: sent.request, response: sent.response,
    evidence: `${op.method} ${op.path} with ${input}: ${problem.detail}${shrunk}`, key: mode,
  });
}
