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
      return { ...base, pointer: `${e.instancePath}/${clip(String(params.unevaluatedProperty))}`, keyword: 'unknownField', message: 'is not declared by the contract' };
    case 'additionalProperties':
      return { ...base, pointer: `${e.instancePath}/${clip(String(params.additionalProperty))}`, keyword: 'unknownField', message: 'is not allowed by the contract' };
    case READ_ONLY_KEYWORD:
      return { ...base, pointer: e.instancePath, keyword: 'readOnly', message: 'is read-only and may not be sent' };
    default:
      return { ...base, pointer: e.instancePath, keyword: e.keyword, message: messageFor(e.keyword, params) };
  }
}

/** An undeclared property's name comes from the client: escape it and cap its length. */
function clip(name: string): string {
  const token = escapeToken(name);
  return token.length > 64 ? `${token.slice(0, 64)}…` : token;
}

/** Describes the rule that failed, from the schema's side only: never the offending value. */
function messageFor(keyword: string, params: Record<string, unknown>): string {
  const limit = params.limit;
  switch (keyword) {
    case 'type': return `must be ${String(params.type).replaceAll(',', ' or ')}`;
    case 'enum': return 'must be one of the allowed values';
    case 'const': return 'must be the allowed constant';
    case 'format': return `must be a valid ${String(params.format)}`;
    case 'pattern': return 'must match the pattern declared by the contract';
    case 'minLength': return `must be at least ${String(limit)} characters long`;
    case 'maxLength': return `must be at most ${String(limit)} characters long`;
    case 'minimum': case 'maximum': case 'exclusiveMinimum': case 'exclusiveMaximum':
      return `must be ${String(params.comparison)} ${String(limit)}`;
    case 'multipleOf': return `must be a multiple of ${String(params.multipleOf)}`;
    case 'minItems': return `must have at least ${String(limit)} items`;
    case 'maxItems': return `must have at most ${String(limit)} items`;
    case 'uniqueItems': return 'must not contain duplicate items';
    case 'minProperties': return `must have at least ${String(limit)} properties`;
    case 'maxProperties': return `must have at most ${String(limit)} properties`;
    case 'oneOf': return 'must match exactly one of the allowed shapes';
    case 'anyOf': return 'must match one of the allowed shapes';
    case 'not': return 'must not match the excluded shape';
    case 'false schema': return 'is not allowed';
    case 'dependentRequired': return `requires property ${String(params.missingProperty)}`;
    case 'propertyNames': return 'has a property name that is not allowed';
    case 'unevaluatedItems': case 'items': return `must have at most ${String(limit)} items`;
    case 'contains': return 'must contain an allowed item';
    case 'if': return `must match the "${String(params.failingKeyword)}" schema`;
    default: return 'is invalid';
  }
}
