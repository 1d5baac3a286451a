import type { BodyKind } from './validator-types.js';

/** `Application/JSON; charset=utf-8` -> `application/json`. */
export function essence(contentType: string): string {
  const semi = contentType.indexOf(';');
  return (semi === -1 ? contentType : contentType.slice(0, semi)).trim().toLowerCase();
}

export function kindOf(mediaType: string): BodyKind {
  const m = essence(mediaType);
  if (m === 'application/json' || m.endsWith('+json') || m === 'application/*' || m === '*/*' || m === 'text/json') {
    return m === '*/*' || m === 'application/*' ? 'binary' : 'json';
  }
  if (m === 'application/x-www-form-urlencoded') return 'form';
  if (m.startsWith('multipart/')) return 'multipart';
  if (m.startsWith('text/')) return 'text';
  return 'binary';
}

/**
 * Picks the declared media type for a content type: exact, then a structured-suffix wildcard
 * (`application/*+json`), then `type/*`, then `*\/*`. Built once per operation.
 */
export function mediaMatcher<V>(entries: readonly (readonly [string, V])[]): (contentType: string) => V | undefined {
  const exact = new Map<string, V>();
  const suffix: [string, string, V][] = [];
  const ranges = new Map<string, V>();
  let any: V | undefined;
  for (const [declared, value] of entries) {
    const m = essence(declared);
    if (m === '*/*' || m === '*') any ??= value;
    else if (m.endsWith('/*')) { if (!ranges.has(m.slice(0, -2))) ranges.set(m.slice(0, -2), value); }
    else if (/^[^/]+\/\*\+/.test(m)) suffix.push([m.slice(0, m.indexOf('/')), m.slice(m.indexOf('+')), value]);
    else if (!exact.has(m)) exact.set(m, value);
  }
  // Clients and upstreams send the same few content types over and over: remember the last one,
  // so the common case costs a string comparison rather than a parse.
  let lastType: string | undefined;
  let lastValue: V | undefined;
  const match = (contentType: string): V | undefined => {
    const m = essence(contentType);
    const hit = exact.get(m);
    if (hit !== undefined) return hit;
    const slash = m.indexOf('/');
    const type = slash === -1 ? m : m.slice(0, slash);
    for (const [t, sfx, v] of suffix) if (t === type && m.endsWith(sfx)) return v;
    return ranges.get(type) ?? any;
  };
  return (contentType) => {
    if (contentType === lastType) return lastValue;
    const value = match(contentType);
    lastType = contentType;
    lastValue = value;
    return value;
  };
}
