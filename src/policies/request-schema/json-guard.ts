import type { Denial } from '../../errors/index.js';

export interface JsonLimits {
  readonly maxDepth: number;
  readonly maxElements: number;
  readonly maxStringLength: number;
}

/**
 * One iterative walk over a parsed JSON value enforcing depth, element-count and string-length
 * limits and refusing prototype-pollution keys. Iterative on purpose: a recursive walk would let
 * a deeply nested body exhaust the stack. Bounded by maxElements, so cost is linear and capped.
 */
export function inspectJson(root: unknown, limits: JsonLimits): Denial | undefined {
  if (root === null || typeof root !== 'object') {
    return typeof root === 'string' && root.length > limits.maxStringLength ? tooLong('') : undefined;
  }
  const values: unknown[] = [root];
  const depths: number[] = [1];
  let elements = 0;
  while (values.length > 0) {
    const value = values.pop() as object;
    const depth = depths.pop() as number;
    if (depth > limits.maxDepth) {
      return { code: 'GH_CONTRACT_BODY_TOO_DEEP', detail: `JSON nesting exceeds ${limits.maxDepth} levels` };
    }
    if (Array.isArray(value)) {
      elements += value.length;
      if (elements > limits.maxElements) return tooMany(limits.maxElements);
      for (let i = 0; i < value.length; i++) {
        const item: unknown = value[i];
        if (item !== null && typeof item === 'object') { values.push(item); depths.push(depth + 1); }
        else if (typeof item === 'string' && item.length > limits.maxStringLength) return tooLong(`/${i}`);
      }
      continue;
    }
    for (const key in value) {
      elements++;
      if (elements > limits.maxElements) return tooMany(limits.maxElements);
      const item: unknown = (value as Record<string, unknown>)[key];
      // `__proto__` and `constructor.prototype` reach Object.prototype when a service merges the
      // body into an object (lodash.merge-style); a plain `constructor` field is legitimate data.
      if (key === '__proto__' || (key === 'constructor' && item !== null && typeof item === 'object' && 'prototype' in item)) {
        return { code: 'GH_CONTRACT_PROTOTYPE_POLLUTION', detail: `the key "${key}" is not accepted`, errors: [{ in: 'body', pointer: '', message: `forbidden key "${key}"` }] };
      }
      if (key.length > limits.maxStringLength) return tooLong('');
      if (item !== null && typeof item === 'object') { values.push(item); depths.push(depth + 1); }
      else if (typeof item === 'string' && item.length > limits.maxStringLength) return tooLong('');
    }
  }
  return undefined;
}

function tooMany(max: number): Denial {
  return { code: 'GH_CONTRACT_BODY_TOO_COMPLEX', detail: `JSON body has more than ${max} elements` };
}

function tooLong(pointer: string): Denial {
  return { code: 'GH_CONTRACT_BODY_TOO_COMPLEX', detail: 'a string in the body is longer than the configured limit', errors: [{ in: 'body', pointer: pointer.length > 200 ? '' : pointer, message: 'string too long' }] };
}
