type QueryValues = Record<string, string | string[]>;

/**
 * The parsed query's constructor: its instances have nothing on their prototype chain, like
 * Object.create(null), but V8 keeps them in fast mode. An Object.create(null) object is a
 * dictionary, and adding each parameter to one missed the store's inline cache on every request
 * (seen with perf in the gateway's profile).
 */
const QueryParams = function QueryParams(this: QueryValues) {
  // Fields are added as parameters are parsed.
} as unknown as new () => QueryValues;
QueryParams.prototype = Object.create(null) as object;

/**
 * Parses a query string into name -> value, a repeated name giving an array. `+` is a space
 * (application/x-www-form-urlencoded). Nothing is inherited, so `__proto__=x` or `constructor=x`
 * is plain data that validation then refuses, never a prototype assignment or an inherited
 * value. Returns undefined for malformed percent-encoding: the request is refused rather than
 * guessed at.
 */
export function parseQuery(query: string): QueryValues | undefined {
  const out = new QueryParams();
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
