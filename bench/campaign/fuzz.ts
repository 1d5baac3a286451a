/**
 * Requests generated with fast-check from a seed: methods, paths built on the spec's templates
 * with hostile parameter values, query strings with duplicates and odd encodings, headers
 * (credentials valid, forged and absent; content types the operation does and does not take;
 * spoofed identity headers), and bodies from valid JSON to bytes that are not text. Everything
 * here is a request an HTTP client library will send; what a client refuses to send is raw.ts.
 */
import fc from 'fast-check';

export interface FuzzRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body: Buffer | undefined;
}

export interface FuzzContext {
  /** The spec's operations: method and path template with the base path (`/api/users/{userId}`). */
  readonly operations: readonly { readonly method: string; readonly template: string }[];
  /** Credential headers that pass (picked for most requests, so they reach the deeper checks)... */
  readonly valid: readonly Record<string, string>[];
  /** ...and the others: none, forged, malformed. */
  readonly invalid: readonly Record<string, string>[];
}

const INJECTIONS = [
  "' OR '1'='1", "1; DROP TABLE users--", '1 UNION SELECT password FROM users', '{"$gt":""}', '{"$where":"sleep(1000)"}', '$ne',
  '<script>alert(1)</script>', '"><img src=x onerror=alert(1)>', 'javascript:alert(1)', '${jndi:ldap://127.0.0.1/a}', '{{7*7}}', '#{7*7}',
  '; cat /etc/passwd', '`id`', '$(id)', '| nc 127.0.0.1 9 -e sh', '../../../../etc/passwd', '..\\..\\windows\\win.ini', '%2e%2e%2f%2e%2e%2f',
  'http://169.254.169.254/latest/meta-data/', 'http://[::1]:22/', 'file:///etc/passwd', 'gopher://127.0.0.1:6379/_FLUSHALL',
  '__proto__', 'constructor', 'prototype', '\u0000', '\uffff', '\ud83d\ude00', 'A'.repeat(5000), '-0', '1e400', '0x10', 'NaN', 'Infinity', 'null', 'true', '[]', '{}',
];

/** Path pieces sent as they are (printable ASCII a client will put on the wire unchanged). */
const RAW_SEGMENTS = [
  '..', '.', '%2e%2e', '%2E%2E%2F', '..%2f', '..;', '%00', '%2f', '%5c', '%ff', '%c0%ae', '%e9', '%', '%zz', '%u002e', '~', '*', ';jsessionid=1',
  '0', '-1', '1.5', '1e3', '00001', '+1', '0x1', '99999999999999999999', '9007199254740993', '4294967296', 'null', 'undefined', '[]', '{}',
];

const METHODS = ['GET', 'GET', 'GET', 'POST', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD', 'OPTIONS', 'TRACE', 'PROPFIND', 'PURGE', 'M-SEARCH', 'FOO'];

const CONTENT_TYPES = [
  'application/json', 'application/json', 'application/json; charset=utf-8', 'application/json; charset=utf-16', 'application/json; charset=latin1',
  'text/json', 'application/problem+json', 'application/x-www-form-urlencoded', 'multipart/form-data', 'multipart/form-data; boundary=x',
  'text/plain', 'application/xml', '*/*', 'application/json, text/plain', 'application/JSON', ' application/json', 'json',
];

const printable = (max: number): fc.Arbitrary<string> => fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: max });

const paramValue: fc.Arbitrary<string> = fc.oneof(
  { weight: 10, arbitrary: fc.integer({ min: 1, max: 5 }).map(String) },
  { weight: 2, arbitrary: fc.integer().map(String) },
  { weight: 1, arbitrary: fc.double().map(String) },
  { weight: 2, arbitrary: fc.constantFrom(...RAW_SEGMENTS) },
  { weight: 2, arbitrary: fc.constantFrom(...INJECTIONS).map(encodeURIComponent) },
  { weight: 2, arbitrary: fc.string({ maxLength: 40 }).map(encodeURIComponent) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 10 }).map(encodeURIComponent) },
);

const fill = (template: string, values: readonly string[]): string => {
  let n = 0;
  return template.replace(/\{[^}]+\}/g, () => values[n++ % values.length] ?? '1');
};

/** Method and path: mostly an operation the spec declares, then its neighbours, then anything. */
const target = (operations: FuzzContext['operations']): fc.Arbitrary<{ method: string; path: string }> => {
  const templates = [...new Set(operations.map((o) => o.template))];
  return fc.oneof(
    { weight: 12, arbitrary: fc.tuple(fc.constantFrom(...operations), fc.array(paramValue, { minLength: 4, maxLength: 4 })).map(([op, values]) => ({ method: op.method, path: fill(op.template, values) })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.constantFrom(...templates), fc.array(paramValue, { minLength: 4, maxLength: 4 })).map(([method, t, values]) => ({ method, path: fill(t, values) })) },
    { weight: 2, arbitrary: fc.tuple(fc.constantFrom(...operations), fc.constantFrom('/', '//', '/.', '/..', '/%2e', '.json', ';x=1', '/extra', '%20', '/./', '//..//'))
      .map(([op, tail]) => ({ method: op.method, path: fill(op.template, ['1']) + tail })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...operations), fc.constantFrom((p: string) => p.toUpperCase(), (p: string) => p.replace('/api/', '//api/'), (p: string) => p.replace('/api/', '/api/./'), (p: string) => p.replace('/api/', '/%61pi/'), (p: string) => p.replace(/s\//, 's%2f')))
      .map(([op, change]) => ({ method: op.method, path: change(fill(op.template, ['1'])) })) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...METHODS), fc.array(fc.oneof(paramValue, fc.constantFrom('api', 'internal', 'debug', 'admin', 'v1', 'users', 'orders', '.env', '.git')), { minLength: 1, maxLength: 6 }))
      .map(([method, segments]) => ({ method, path: `/${segments.join('/')}` })) },
    { weight: 1, arbitrary: fc.constantFrom(...operations).map((op) => ({ method: op.method, path: `/${'x'.repeat(2048)}${fill(op.template, ['1'])}` })) },
  );
};

const queryKey = fc.oneof(fc.constantFrom('limit', 'status', 'id', 'userId', '__proto__', 'constructor[prototype][x]', 'a[]', 'a[0]', 'q', '$where', 'callback'), printable(12).map(encodeURIComponent));
const queryValue = fc.oneof(fc.constantFrom('1', '50', '51', '0', '-1', 'open', 'shipped', 'OPEN', 'open,shipped', '', '%', '%zz', '%e9', '%c3%a9', '1e2', '10.0'), paramValue);
const query: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: fc.constant('') },
  { weight: 2, arbitrary: fc.constantFrom('?limit=5', '?limit=1', '?status=open', '?status=shipped', '?limit=50') },
  { weight: 3, arbitrary: fc.array(fc.tuple(queryKey, queryValue), { minLength: 1, maxLength: 6 }).map((pairs) => `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}`) },
  { weight: 1, arbitrary: fc.constantFrom('?', '?&', '?limit', '?limit=1;status=open', '?limit=1&limit=2', '?status=open&status=shipped', '?=1', '?a=1#frag') },
);

/** A JSON value, or text that only looks like one to some parsers. */
function jsonBody(): fc.Arbitrary<Buffer> {
  const field = fc.oneof(fc.constantFrom(...INJECTIONS), fc.string({ maxLength: 30 }), fc.integer().map(Number), fc.boolean(), fc.constant(null), fc.emailAddress());
  const user = fc.record({ name: field, email: fc.oneof(fc.emailAddress(), field) }, { requiredKeys: [] });
  const order = fc.record({
    userId: fc.oneof(fc.integer({ min: 1, max: 3 }), field),
    items: fc.oneof(fc.array(fc.record({ sku: fc.oneof(fc.constantFrom('BOOK-001', 'PEN-042', 'AB-123'), field), quantity: fc.oneof(fc.integer({ min: -2, max: 25 }), field) }, { requiredKeys: [] }), { maxLength: 3 }), field),
    note: field,
  }, { requiredKeys: [] });
  const extra = fc.dictionary(fc.oneof(fc.constantFrom('isAdmin', 'role', 'id', 'passwordHash', '$where', 'constructor'), fc.string({ maxLength: 8 })), field, { maxKeys: 3 });
  const asText = fc.oneof(
    { weight: 5, arbitrary: fc.tuple(fc.oneof(user, order), extra).map(([base, more]) => JSON.stringify({ ...base, ...more })) },
    { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(user, order)).map(([base]) => JSON.stringify(base).replace(/^\{/, '{"__proto__":{"isAdmin":true},')) },
    { weight: 1, arbitrary: fc.tuple(fc.oneof(user, order)).map(([base]) => JSON.stringify(base).replace(/^\{/, '{"name":"x","name":"\' OR 1=1 --",')) },
    { weight: 1, arbitrary: fc.constantFrom('{"userId":1e400,"items":[]}', '{"userId":-0,"items":[{"sku":"AB-123","quantity":1}]}', '{"userId":9007199254740993,"items":[]}', '{"userId":1.0,"items":[{"sku":"AB-123","quantity":1.0}]}', '[]', '""', 'null', '{', '{"a":}', '{"a":1}x', '\ufeff{"name":"bom","email":"a@b.co"}') },
  );
  return asText.map((text) => Buffer.from(text));
}

const body: fc.Arbitrary<Buffer | undefined> = fc.oneof(
  { weight: 3, arbitrary: fc.constant(undefined) },
  { weight: 6, arbitrary: jsonBody() },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 512 }).map((b) => Buffer.from(b)) },
  { weight: 1, arbitrary: fc.array(fc.tuple(queryKey, queryValue), { maxLength: 5 }).map((pairs) => Buffer.from(pairs.map(([k, v]) => `${k}=${v}`).join('&'))) },
);

function headers(context: FuzzContext): fc.Arbitrary<Record<string, string>> {
  const name = fc.oneof(
    fc.constantFrom('x-forwarded-for', 'x-real-ip', 'forwarded', 'x-gatehouse-subject', 'x-gatehouse-roles', 'x-original-url', 'x-rewrite-url', 'x-http-method-override', 'accept', 'accept-encoding', 'origin', 'referer', 'cookie', 'range', 'if-none-match', 'user-agent'),
    fc.stringMatching(/^x-[a-z][a-z0-9-]{0,15}$/),
  );
  return fc.record({
    credential: fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...context.valid) }, { weight: 2, arbitrary: fc.constantFrom(...context.invalid) }),
    contentType: fc.option(fc.constantFrom(...CONTENT_TYPES), { nil: undefined }),
    extra: fc.dictionary(name, printable(80), { maxKeys: 4 }),
  }).map(({ credential, contentType, extra }) => ({ ...extra, ...credential, ...(contentType === undefined ? {} : { 'content-type': contentType }) }));
}

export function requestArbitrary(context: FuzzContext): fc.Arbitrary<FuzzRequest> {
  return fc.record({ to: target(context.operations), query, headers: headers(context), body })
    .map(({ to, query: q, headers: h, body: b }) => ({ method: to.method, path: to.path + q, headers: h, body: to.method === 'HEAD' || (to.method === 'GET' && b !== undefined && b.length % 4 !== 0) ? undefined : b }));
}

/** `count` requests from `seed`, the same ones every time for the same seed. */
export function* fuzzRequests(context: FuzzContext, seed: number, count: number): Generator<FuzzRequest> {
  const arbitrary = requestArbitrary(context);
  const batch = 500;
  for (let start = 0; start < count; start += batch) {
    yield* fc.sample(arbitrary, { seed: seed + start, numRuns: Math.min(batch, count - start) });
  }
}
