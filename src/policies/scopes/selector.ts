import type { RawProblem } from '../../config/problem.js';
import type { Operation } from '../../openapi/types.js';
import type { OperationSelector } from './config.js';

/** Whether a selector picks this operation; resolved at load time, never per request. */
export function selects(selector: OperationSelector, operation: Operation | undefined): boolean {
  if (operation === undefined) return false;
  if (selector.operations !== undefined && !selector.operations.includes(operation.id) && !(operation.operationId !== undefined && selector.operations.includes(operation.operationId))) return false;
  if (selector.tags !== undefined && !selector.tags.some((t) => operation.tags.includes(t))) return false;
  if (selector.paths !== undefined && !selector.paths.some((p) => pathMatches(p, operation.path))) return false;
  if (selector.methods !== undefined && !selector.methods.includes(operation.method)) return false;
  if (selector.extension !== undefined && operation.extensions[selector.extension] !== true) return false;
  return true;
}

function pathMatches(pattern: string, path: string): boolean {
  if (pattern.endsWith('*')) return path.startsWith(pattern.slice(0, -1));
  return pattern === path;
}

/** Where a rule sits in the config, as a key path (`['apis', 0, 'policies', 'stepUp', 'rules', 1]`). */
export type ConfigPath = readonly (string | number)[];

/** The operations of a spec as a rule may name them, and which of them the router never reaches. */
export interface SpecOperations {
  readonly file: string;
  readonly operations: readonly Operation[];
  /** Unreachable operations and the operation that receives their requests. */
  readonly shadowed: ReadonlyMap<Operation, Operation>;
}

/** The operation an id names (operationId, or Gatehouse's `METHOD /path`). */
export function operationNamed(ops: SpecOperations, name: string): Operation | undefined {
  return ops.operations.find((op) => op.id === name || op.operationId === name);
}

/**
 * Problems with a list of operation names: a name the spec does not have, or an operation the
 * router never reaches, would make the rule silently apply nowhere (or not where meant).
 */
export function operationNameProblems(ops: SpecOperations, names: readonly string[], at: ConfigPath): RawProblem[] {
  const problems: RawProblem[] = [];
  names.forEach((name, i) => {
    const op = operationNamed(ops, name);
    if (op === undefined) {
      problems.push({ path: [...at, i], message: `"${name}" is not an operation of ${ops.file} (use an operationId or "METHOD /path")` });
      return;
    }
    const receiver = ops.shadowed.get(op);
    if (receiver !== undefined) problems.push({ path: [...at, i], message: `"${name}" is never reached: its requests are routed to ${receiver.id}, so the rule would not apply to them` });
  });
  return problems;
}

/**
 * Problems with a selector: each operation, tag, path and extension it names must exist in the
 * spec, and together they must select at least one operation. A rule that selects nothing is a
 * protection that is configured and silently absent (a typo in a tag, a renamed operation).
 */
export function selectorProblems(ops: SpecOperations, selector: OperationSelector, at: ConfigPath): RawProblem[] {
  const problems = operationNameProblems(ops, selector.operations ?? [], [...at, 'operations']);
  const all = ops.operations;
  (selector.tags ?? []).forEach((tag, i) => {
    if (!all.some((op) => op.tags.includes(tag))) problems.push({ path: [...at, 'tags', i], message: `no operation of ${ops.file} has the tag "${tag}"` });
  });
  (selector.paths ?? []).forEach((pattern, i) => {
    if (!all.some((op) => pathMatches(pattern, op.path))) problems.push({ path: [...at, 'paths', i], message: `no operation of ${ops.file} has a path matching "${pattern}"` });
  });
  if (selector.extension !== undefined && !all.some((op) => op.extensions[selector.extension as string] === true)) {
    problems.push({ path: [...at, 'extension'], message: `no operation of ${ops.file} has ${selector.extension}: true` });
  }
  if (problems.length === 0 && !all.some((op) => selects(selector, op))) {
    problems.push({ path: at, message: `selects no operation of ${ops.file}: together, its operations, tags, paths, methods and extension match none` });
  }
  return problems;
}

/** Whether a selector names anything (an empty selector means "every operation"). */
export function isExplicit(selector: OperationSelector): boolean {
  return selector.operations !== undefined || selector.tags !== undefined || selector.paths !== undefined || selector.methods !== undefined || selector.extension !== undefined;
}
