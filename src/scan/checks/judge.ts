/**
 * Judges one response for robustness problems: no answer, a timeout, a 5xx, or a body that
 * violates the schema the spec declares for that status. Shared by fuzzing and stateful chains.
 */
import type { Operation } from '../../openapi/index.js';
import type { ScanContext } from '../context.js';
import type { ScanRequest, ScanResponse, Severity } from '../types.js';

export interface Problem {
  readonly ruleId: string;
  readonly severity: Severity;
  readonly title: string;
  readonly detail: string;
}

export function snippet(body: string, max = 160): string {
  const flat = body.replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max)}…` : flat;
}

/** Structured binary bodies the scan cannot build: a parser's failure on what it sent proves nothing. */
const UNBUILDABLE = /protobuf|grpc|msgpack|cbor|avro|thrift|bson|capnp|flatbuffers/i;

/**
 * A request whose body the scan could not build for its declared type: its 5xx is the parser's
 * answer to the scan's own malformed request, never a finding.
 */
export function scannerMalformed(req: ScanRequest): boolean {
  return req.body !== undefined && UNBUILDABLE.test(req.headers['content-type'] ?? '');
}

/**
 * The response's problem, if any. A response during which the target went down is reported once
 * by the scan (liveness.ts), never by a check; a dropped connection here is one the target dropped
 * twice while answering its liveness probes.
 */
export function robustnessProblem(ctx: ScanContext, op: Operation, res: ScanResponse, req?: ScanRequest): Problem | undefined {
  if (res.outage === true) return undefined;
  if (req !== undefined && res.status >= 500 && scannerMalformed(req)) return undefined;
  if (res.error === 'network' || res.error === 'refused') return { ruleId: 'fuzz.crash', severity: 'high', title: 'Connection dropped without a response', detail: `the connection closed with no response, twice, while the service kept answering liveness probes (${res.errorMessage ?? 'network error'})` };
  if (res.error === 'timeout') return { ruleId: 'fuzz.timeout', severity: 'medium', title: 'Request timed out', detail: `no response within ${Math.round(res.elapsedMs)} ms while the service went on answering other requests` };
  if (res.status >= 500) return { ruleId: 'fuzz.server-error', severity: 'high', title: 'Server error (5xx)', detail: `answered ${res.status}: ${snippet(res.body)}` };
  const v = ctx.validators(op);
  if (v === undefined) return undefined;
  const contentType = res.headers['content-type'] ?? '';
  const validator = v.response(res.status, contentType);
  if (validator === undefined || res.body === '') return undefined;
  if (validator.kind === 'json' && res.json === undefined) {
    return { ruleId: 'fuzz.response-schema', severity: 'medium', title: 'Response violates the declared schema', detail: `the ${res.status} body is not JSON although the spec declares ${validator.mediaType}` };
  }
  if (validator.kind !== 'json') return undefined;
  const issues = validator.validate(res.json);
  if (issues === undefined || issues.length === 0) return undefined;
  const first = issues.slice(0, 3).map((i) => `${i.pointer || '(root)'} ${i.message}`).join('; ');
  return { ruleId: 'fuzz.response-schema', severity: 'medium', title: 'Response violates the declared schema', detail: `the ${res.status} body violates the declared schema: ${first}` };
}
