import type { RawProblem } from '../../config/problem.js';
import type { ContractPolicyConfig } from '../../config/types.js';
import { kindOf } from '../../openapi/media.js';
import { planFor } from '../../openapi/strip.js';
import type { Operation } from '../../openapi/types.js';
import { operationNameProblems, operationNamed, type ConfigPath, type SpecOperations } from '../scopes/selector.js';
import type { MaskingConfig } from './config.js';
import { compilePath, type CompiledPath } from './json-path.js';

/**
 * Load-time checks of masking rules: the operations a rule names exist, its path compiles, and
 * the path can match something. Masking runs after the contract has stripped undeclared response
 * fields, so a path naming a field no response schema declares (`$.card.numbr`) never masks
 * anything: a protection that is configured and absent. That is only certain when every
 * response of the operations the rule covers declares a JSON schema; otherwise the rule stands.
 */
export function maskingProblems(ops: SpecOperations, masking: MaskingConfig, contract: ContractPolicyConfig, at: ConfigPath): RawProblem[] {
  if (masking.mode === 'off') return [];
  const problems: RawProblem[] = [];
  const stripping = contract.mode !== 'off' && contract.responses !== 'off';
  masking.rules.forEach((rule, i) => {
    const here = [...at, 'rules', i];
    if (rule.operations !== undefined) problems.push(...operationNameProblems(ops, rule.operations, [...here, 'operations']));
    if (rule.path === undefined) return;
    let path: CompiledPath;
    try {
      path = compilePath(rule.path);
    } catch (error) {
      problems.push({ path: [...here, 'path'], message: (error as Error).message });
      return;
    }
    if (!stripping) return;
    const covered = rule.operations === undefined ? ops.operations
      : rule.operations.map((name) => operationNamed(ops, name)).filter((op): op is Operation => op !== undefined);
    if (covered.length > 0 && covered.every((op) => neverMatches(op, path))) {
      problems.push({ path: [...here, 'path'], message: `${rule.path} matches no field that the responses of ${rule.operations === undefined ? 'any operation' : 'these operations'} declare; undeclared fields are removed before masking, so this rule would never mask anything` });
    }
  });
  return problems;
}

/** True when no JSON response of the operation can hold a value at `path` once stripped. */
function neverMatches(op: Operation, path: CompiledPath): boolean {
  const responses = Object.values(op.responses);
  if (responses.length === 0) return false;
  for (const response of responses) {
    const entries = Object.entries(response.content);
    // A status that declares no body is not stripped (an upstream body there is passed as is).
    if (entries.length === 0) return false;
    for (const [mediaType, media] of entries) {
      if (kindOf(mediaType) !== 'json') continue;
      if (media.schema === undefined || canMatch([media.schema], path, 0, new Set())) return false;
    }
  }
  return true;
}

function canMatch(schemas: readonly object[], path: CompiledPath, index: number, seen: Set<object>): boolean {
  const segment = path[index];
  if (segment === undefined) return true;
  if (segment.kind === 'deep') {
    // A recursive schema is a cycle in the dereferenced graph: each schema is searched once.
    if (schemas.every((s) => seen.has(s))) return false;
    for (const s of schemas) seen.add(s);
  }
  const plan = planFor(schemas);
  // Where something undeclared can sit: an object that keeps undeclared members, or an array
  // whose items are not described.
  const shape = schemas.map((s) => shapeOf(s, 0));
  const open = plan.patterns.length > 0 || plan.additional.length > 0
    || (plan.keepAll && shape.some((x) => x.object))
    || (plan.items.length === 0 && plan.prefixItems.length === 0 && shape.some((x) => x.array));
  if (segment.kind === 'key') {
    const declared = plan.props.get(segment.name);
    return declared !== undefined ? canMatch(declared, path, index + 1, seen) : open;
  }
  if (open) return true;
  const children = [...plan.props.values(), ...plan.items.map((s) => [s]), ...plan.prefixItems.flat().map((s) => [s])];
  if (segment.kind === 'any') return children.some((c) => canMatch(c, path, index + 1, new Set()));
  // `..name`: a member of that name anywhere below, or a free-form object that could hold one.
  const declared = plan.props.get(segment.name);
  if (declared !== undefined && canMatch(declared, path, index + 1, new Set())) return true;
  return children.some((c) => canMatch(c, path, index, seen));
}

/** Whether a schema admits objects and arrays, from its type or, untyped, from its keywords. */
function shapeOf(schema: object, depth: number): { object: boolean; array: boolean } {
  const s = schema as Record<string, unknown>;
  const types = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type : undefined;
  if (types !== undefined) return { object: types.includes('object'), array: types.includes('array') };
  if ('enum' in s || 'const' in s) return { object: false, array: false };
  const branches = (['allOf', 'anyOf', 'oneOf'] as const).flatMap((k) => (Array.isArray(s[k]) ? (s[k] as unknown[]) : []))
    .filter((b): b is object => b !== null && typeof b === 'object');
  if (branches.length > 0 && depth < 8) {
    const each = branches.map((b) => shapeOf(b, depth + 1));
    return { object: each.some((x) => x.object), array: each.some((x) => x.array) };
  }
  const objectish = 'properties' in s || 'additionalProperties' in s || 'patternProperties' in s;
  const arrayish = 'items' in s || 'prefixItems' in s;
  return objectish || arrayish ? { object: objectish, array: arrayish } : { object: true, array: true };
}
