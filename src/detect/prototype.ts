/**
 * Prototype pollution: a key or property path that reaches Object.prototype when a server merges or
 * deep-sets client data (`{"__proto__": {...}}`, `a[__proto__][x]=1`, `constructor.prototype.x`).
 */
import { RULES } from './rules.js';
import { finding, type Finding } from './types.js';

export function isPollutingKey(key: string): boolean {
  return key === '__proto__';
}

/** A path-like string (query key, lodash-style path) that walks through __proto__ or constructor.prototype. */
export function detectPrototypeString(value: string): Finding | undefined {
  const p = value.indexOf('__proto__');
  if (p >= 0) return finding(RULES.protoKey, Math.max(0, p - 16), p + 32, ['__proto__']);
  const c = value.indexOf('constructor');
  if (c >= 0) {
    const rest = value.slice(c + 11, c + 40);
    // constructor.prototype, constructor[prototype], ["constructor"]["prototype"], {"constructor": {"prototype": ...
    const m = /^\s*(?:\.|\[\s*['"]?|\]\[\s*['"]?|['"]?\]\s*\[\s*['"]?|['"]?\s*:\s*\{\s*['"]?)prototype\b/.exec(rest);
    if (m) return finding(RULES.protoKey, Math.max(0, c - 16), c + 11 + m[0].length + 16, ['constructor', m[0].trim()]);
  }
  return undefined;
}
