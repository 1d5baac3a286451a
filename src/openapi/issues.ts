import type { ErrorObject } from 'ajv';
import type { ValidationIssue } from './validator-types.js';
import { escapeToken } from './pointer.js';
import { READ_ONLY_KEYWORD } from './schema-translate.js';

type Location = ValidationIssue['in'];

/** At most this many issues per validation: enough to fix a request, not a report to flood logs. */
const MAX_ISSUES = 10;

/**
 * Ajv errors as client-safe issues. Ajv's own messages describe the rule, never the value; the
 * few rewritten here get a Gatehouse keyword (unknownField, readOnly) the gateway maps to codes.
 */
export function toIssues(errors: readonly ErrorObject[] | null | undefined, where: Location, name?: string): ValidationIssue[] {
  const out: ValidationIssue[] = [];
  for (const e of errors ?? []) {
    if (out.length >= MAX_ISSUES) break;
    out.push(toIssue(e, where, name));
  }
  if (out.length === 0) out.push({ in: where, ...(name === undefined ? {} : { name }), pointer: '', keyword: 'invalid', message: 'is invalid' });
  return out;
}

function toIssue(e: ErrorObject, where: Location, name: string | undefined): ValidationIssue {
  const base = { in: where, ...(name === undefined ? {} : { name }) };
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return { ...base, pointer: `${e.instancePath}/${escapeToken(String(params.missingProperty))}`, keyword: 'required', message: 'is required' };
    case 'unevaluatedProperties':
      return { ...base, pointer: `${e.instancePath}/${escapeToken(String(params.unevaluatedProperty))}`, keyword: 'unknownField', message: 'is not declared by the contract' };
    case 'additionalProperties':
      return { ...base, pointer: `${e.instancePath}/${escapeToken(String(params.additionalProperty))}`, keyword: 'unknownField', message: 'is not allowed by the contract' };
    case READ_ONLY_KEYWORD:
      return { ...base, pointer: e.instancePath, keyword: 'readOnly', message: 'is read-only and may not be sent' };
    default:
      return { ...base, pointer: e.instancePath, keyword: e.keyword, message: e.message ?? 'is invalid' };
  }
}
