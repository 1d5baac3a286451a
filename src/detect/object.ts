/**
 * Walks a parsed JSON body: every string value and every key is judged, operator keys ($where, $ne...) and
 * __proto__ / constructor.prototype keys are refused as such. Depth and node count are bounded so a hostile
 * body cannot make the walk expensive; the contract validator bounds them more tightly before we run.
 */
import { isOperatorKey } from './nosql.js';
import { isPollutingKey } from './prototype.js';
import { RULES } from './rules.js';
import type { DetectContext, Detection, Rule } from './types.js';
import { detectValue } from './value.js';

export interface WalkLimits {
  /** Deepest nesting visited (default 64). */
  maxDepth?: number;
  /** Most keys and values visited (default 100,000). */
  maxNodes?: number;
}

/** A detection decided by a key's name alone (an operator or a prototype key). */
export function keyDetection(rule: Rule, key: string, location: string): Detection {
  return { category: rule.category, rule: rule.id, level: rule.level, reason: rule.reason, tokens: [key], fragment: key.slice(0, 64), location };
}

function child(location: string, key: string | number): string {
  return typeof key === 'number' ? `${location}[${key}]` : /^[A-Za-z_$][\w$]*$/.test(key) ? `${location}.${key}` : `${location}[${JSON.stringify(key)}]`;
}

/** The first detection in a parsed JSON value, with its location (`body.user.name`), or undefined. */
export function detectObject(value: unknown, context?: DetectContext, location = 'body', limits: WalkLimits = {}): Detection | undefined {
  const maxDepth = limits.maxDepth ?? 64;
  let budget = limits.maxNodes ?? 100_000;
  const wantNosql = context?.categories === undefined || context.categories.has('nosqli');
  const wantProto = context?.categories === undefined || context.categories.has('prototype-pollution');

  function walk(v: unknown, loc: string, depth: number): Detection | undefined {
    if (--budget < 0 || depth > maxDepth) return undefined;
    if (typeof v === 'string') {
      const d = detectValue(v, context);
      return d && { ...d, location: loc };
    }
    if (v === null || typeof v !== 'object') return undefined;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const d = walk(v[i], child(loc, i), depth + 1);
        if (d) return d;
      }
      return undefined;
    }
    for (const key of Object.keys(v)) {
      const here = child(loc, key);
      if (wantProto && isPollutingKey(key)) return keyDetection(RULES.protoKey, key, here);
      const inner = (v as Record<string, unknown>)[key];
      if (wantProto && key === 'constructor' && inner !== null && typeof inner === 'object' && Object.hasOwn(inner, 'prototype')) {
        return keyDetection(RULES.protoKey, 'constructor.prototype', here);
      }
      if (wantNosql && isOperatorKey(key)) return keyDetection(RULES.nosqlOperator, key, here);
      if (--budget < 0) return undefined;
      const dk = detectValue(key, context);
      if (dk) return { ...dk, location: here };
      const d = walk(inner, here, depth + 1);
      if (d) return d;
    }
    return undefined;
  }
  return walk(value, location, 0);
}
