/**
 * Parses a query string into name -> value, a repeated name giving an array. `+` is a space
 * (application/x-www-form-urlencoded). The result has a null prototype so `__proto__=x` is
 * plain data that validation then refuses, never a prototype assignment. Returns undefined for
 * malformed percent-encoding: the request is refused rather than guessed at.
 */
export function parseQuery(query: string): Record<string, string | string[]> | undefined {
  const out = Object.create(null) as Record<string, string | string[]>;
  if (query === '') return out;
  let start = 0;
  while (start <= query.length) {
    let end = query.indexOf('&', start);
    if (end === -1) end = query.length;
    if (end > start) {
      const eq = query.indexOf('=', start);
      const split = eq !== -1 && eq < end;
      const name = decodeComponent(query.slice(start, split ? eq : end));
      const value = split ? decodeComponent(query.slice(eq + 1, end)) : '';
      if (name === undefined || value === undefined) return undefined;
      const existing = out[name];
      if (existing === undefined) out[name] = value;
      else if (Array.isArray(existing)) existing.push(value);
      else out[name] = [existing, value];
    }
    start = end + 1;
  }
  return out;
}

function decodeComponent(text: string): string | undefined {
  const plain = text.includes('+') ? text.replaceAll('+', ' ') : text;
  if (!plain.includes('%')) return plain;
  try {
    return decodeURIComponent(plain);
  } catch {
    return undefined;
  }
}
