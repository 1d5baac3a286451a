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
