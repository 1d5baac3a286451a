import type { Denial, ErrorCode } from '../../errors/index.js';
import type { ValidationIssue } from '../../openapi/validator-types.js';

const MAX_REPORTED = 10;
const UNKNOWN_FIELD_KEYWORDS = new Set(['unknownField', 'unevaluatedProperties', 'additionalProperties']);

/** Turns validation issues into a denial; the client sees at most ten, none echoing values. */
export function denialFromIssues(issues: readonly ValidationIssue[], fallback: ErrorCode): Denial {
  const unknown = issues.some((i) => UNKNOWN_FIELD_KEYWORDS.has(i.keyword));
  const errors = issues.slice(0, MAX_REPORTED).map((i) => ({
    in: i.in,
    ...(i.name === undefined ? {} : { name: i.name }),
    ...(i.in === 'body' ? { pointer: i.pointer } : {}),
    message: i.message,
  }));
  const code = unknown ? 'GH_CONTRACT_UNKNOWN_FIELD' : fallback;
  return issues.length > MAX_REPORTED
    ? { code, errors, detail: `${issues.length} problems, the first ${MAX_REPORTED} listed` }
    : { code, errors };
}
