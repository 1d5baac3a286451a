/**
 * Operation inputs -> an HTTP request, and an HTTP request -> a curl command. Parameters are
 * serialised in the OpenAPI defaults (form/explode for query, simple for path and headers), which
 * is what most services parse; path values are percent-encoded so a value can never change the
 * path's shape or the origin.
 */
import fc from 'fast-check';
import type { Operation, Parameter, SchemaObject } from '../openapi/index.js';
import { schemaArbitrary, type ArbitraryOptions } from './arbitrary.js';
import { concreteType, encodeBody, type BodyOptions } from './body.js';
import type { Identity, ScanRequest } from './types.js';

export { bodyFormat, concreteType, encodeBody, encodeForm, encodeMultipart, encodeXml, type BodyFormat, type BodyOptions, type EncodedBody } from './body.js';

export interface RequestValues {
  readonly path: Record<string, unknown>;
  readonly query: Record<string, unknown>;
  readonly header: Record<string, unknown>;
  readonly cookie: Record<string, unknown>;
  /** `undefined`: no body. */
  readonly body: unknown;
  readonly mediaType: string | undefined;
  /** Set by mutations: what makes this input invalid. */
  readonly note?: string;
  /** True when the mutation makes the input one the spec forbids (not merely unusual). */
  readonly invalid?: boolean;
  /** Sent as the body verbatim instead of encoding `body` (malformed JSON). */
  readonly rawBody?: string;
  /** Set by attacks (which input carries the payload): such inputs never become a known-good base. */
  readonly attack?: string;
}

/** Headers the scanner owns: a spec parameter of that name is not generated. */
const RESERVED_HEADERS = new Set(['authorization', 'content-type', 'content-length', 'host', 'cookie', 'accept', 'transfer-encoding', 'connection']);

export function preferredMediaType(op: Operation): string | undefined {
  const types = Object.keys(op.requestBody?.content ?? {});
  return types.find((t) => /json/i.test(t)) ?? types.find((t) => /x-www-form-urlencoded/i.test(t)) ?? types[0];
}

export function bodySchema(op: Operation): SchemaObject | undefined {
  const media = preferredMediaType(op);
  return media === undefined ? undefined : op.requestBody?.content[media]?.schema;
}

export function generatedParameters(op: Operation): Parameter[] {
  return op.parameters.filter((p) => !(p.in === 'header' && RESERVED_HEADERS.has(p.name.toLowerCase())));
}

/** An arbitrary of schema-valid inputs for an operation (optional parameters sometimes left out). */
export function validValues(op: Operation, options: Partial<ArbitraryOptions> = {}): fc.Arbitrary<RequestValues> {
  const groups: Record<'path' | 'query' | 'header' | 'cookie', Record<string, fc.Arbitrary<unknown>>> = { path: {}, query: {}, header: {}, cookie: {} };
  const required: Record<string, string[]> = { path: [], query: [], header: [], cookie: [] };
  for (const p of generatedParameters(op)) {
    groups[p.in][p.name] = schemaArbitrary(p.schema ?? { type: 'string' }, options);
    if (p.required || p.in === 'path') required[p.in]?.push(p.name);
  }
  const media = preferredMediaType(op);
  const schema = bodySchema(op);
  const bodyArb: fc.Arbitrary<unknown> = media === undefined ? fc.constant(undefined)
    : op.requestBody?.required === true ? schemaArbitrary(schema, options)
      : fc.oneof({ arbitrary: schemaArbitrary(schema, options), weight: 4 }, { arbitrary: fc.constant(undefined), weight: 1 });
  const rec = (k: 'path' | 'query' | 'header' | 'cookie'): fc.Arbitrary<Record<string, unknown>> =>
    fc.record(groups[k], { requiredKeys: required[k] ?? [] });
  return fc.record({ path: rec('path'), query: rec('query'), header: rec('header'), cookie: rec('cookie'), body: bodyArb })
    .map((v) => ({ ...v, mediaType: v.body === undefined ? undefined : media }));
}

/** A value as a parameter string: arrays comma-joined (style simple/form), objects as JSON. */
function scalar(value: unknown): string {
  if (Array.isArray(value)) return value.map(scalar).join(',');
  if (value !== null && typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** Header values must be visible ASCII; anything else would be refused by the HTTP client. */
function headerSafe(value: string): string {
  return value.replace(/[^\x20-\x7e]/g, '?').slice(0, 4096);
}

/** Extra inputs of `buildRequest`: attack strings appended verbatim, and how to name XML roots. */
export interface BuildExtra {
  readonly rawQuery?: string;
  readonly rawBody?: string;
  readonly schemaName?: BodyOptions['schemaName'];
}

/** Builds the request for an operation under `basePath`; `rawQuery` is appended verbatim (attacks). */
export function buildRequest(op: Operation, values: RequestValues, basePath: string, extra: BuildExtra = {}): ScanRequest {
  const path = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = values.path[name];
    return encodeURIComponent(v === undefined ? '1' : scalar(v));
  });
  const query = new URLSearchParams();
  for (const [k, v] of Object.entries(values.query)) {
    if (v === undefined) continue;
    if (Array.isArray(v)) for (const item of v) query.append(k, scalar(item));
    else if (v !== null && typeof v === 'object') for (const [ik, iv] of Object.entries(v as Record<string, unknown>)) query.append(`${k}[${ik}]`, scalar(iv));
    else query.append(k, scalar(v));
  }
  let qs = query.toString();
  if (extra.rawQuery !== undefined) qs = qs === '' ? extra.rawQuery : `${qs}&${extra.rawQuery}`;
  const headers: Record<string, string> = { accept: 'application/json, */*;q=0.5' };
  for (const [k, v] of Object.entries(values.header)) if (v !== undefined) headers[k.toLowerCase()] = headerSafe(scalar(v));
  const cookies = Object.entries(values.cookie).filter(([, v]) => v !== undefined).map(([k, v]) => `${k}=${encodeURIComponent(scalar(v))}`);
  if (cookies.length > 0) headers.cookie = cookies.join('; ');
  const media = values.mediaType ?? 'application/json';
  let body = extra.rawBody ?? values.rawBody;
  if (body !== undefined) headers['content-type'] = concreteType(media);
  else if (values.body !== undefined) {
    const declared = op.requestBody?.content[media];
    const encoded = encodeBody(values.body, media, { schema: declared?.schema, encoding: declared?.encoding, schemaName: extra.schemaName });
    body = encoded.body;
    headers['content-type'] = encoded.contentType;
  }
  return { method: op.method, path: `${basePath}${path}${qs === '' ? '' : `?${qs}`}`, headers, ...(body === undefined ? {} : { body }) };
}

/** The same request sent as an identity (its credential header set), or anonymously. */
export function asIdentity(req: ScanRequest, identity: Identity | undefined): ScanRequest {
  const { identity: _old, ...rest } = req;
  const headers = { ...req.headers };
  if (identity === undefined) return { ...rest, headers };
  headers[identity.header.toLowerCase()] = identity.value;
  return { ...rest, headers, identity: identity.name };
}

export function withHeaders(req: ScanRequest, extra: Record<string, string | undefined>): ScanRequest {
  const headers: Record<string, string> = { ...req.headers };
  for (const [k, v] of Object.entries(extra)) {
    if (v === undefined) delete headers[k.toLowerCase()];
    else headers[k.toLowerCase()] = v;
  }
  return { ...req, headers };
}

function shellQuote(s: string): string {
  return `'${s.replaceAll("'", `'\\''`)}'`;
}

/** The environment variable a curl command reads an identity's credential from. */
export function credentialVariable(identity: string): string {
  return `GH_AUTH_${identity.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/**
 * A curl command reproducing the request. The identity's own credential is never written out
 * (reports end up in CI logs and code-scanning UIs): it is read from `$GH_AUTH_<NAME>`.
 */
export function toCurl(origin: string, req: ScanRequest, credentialHeader?: string): string {
  const parts = ['curl', '-sS', '-i'];
  if (req.method !== 'GET') parts.push('-X', req.method);
  parts.push(shellQuote(origin + req.path));
  for (const [k, v] of Object.entries(req.headers)) {
    if (k === 'accept') continue;
    if (req.identity !== undefined && credentialHeader !== undefined && k === credentialHeader.toLowerCase()) {
      parts.push('-H', `"${k}: $${credentialVariable(req.identity)}"`);
    } else {
      parts.push('-H', shellQuote(`${k}: ${v}`));
    }
  }
  if (req.body !== undefined) parts.push('--data-raw', shellQuote(req.body));
  return parts.join(' ');
}
