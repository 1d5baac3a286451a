/**
 * The finding for a target that went down (see liveness.ts): one per operation that took it down,
 * with the request that did it and its curl, and what happened after (back after N s, or not).
 */
import type { Operation } from '../openapi/index.js';
import type { FindingInput } from './findings.js';
import type { Outage } from './liveness.js';
import { OWASP } from './types.js';

export function outageFinding(o: Outage, operations: readonly Operation[]): FindingInput {
  const { cause } = o;
  const op = operations.find((x) => x.id === cause.operation);
  const target = op === undefined ? `${cause.request.method} ${cause.request.path.split('?')[0] ?? ''}` : `${op.method} ${op.path}`;
  const after = o.downMs !== undefined
    ? `; it answered again after ${(o.downMs / 1000).toFixed(1)} s`
    : '; it did not answer again, and the scan stopped there (nothing sent after it counts against the service)';
  const hang = o.how === 'hang';
  return {
    ruleId: hang ? 'availability.hang' : 'availability.crash', check: 'availability', severity: 'high', owasp: OWASP.API4,
    title: hang ? 'Request makes the service stop answering (denial of service)' : 'Request takes the service down (denial of service)',
    operation: cause.operation ?? target, request: cause.request, response: cause.response,
    evidence: `${target}: ${o.detail}${after}`,
  };
}
