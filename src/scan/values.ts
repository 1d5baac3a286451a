/**
 * Where a request's parameter values come from, most trusted first: the user (`--param`), OpenAPI
 * `links` fed by earlier answers, the acting identity's own ids (its token's `sub`, what `/me`
 * said), ids learned from earlier answers (what a POST created), the spec's `example`s, and only
 * then generated values. A request built from generated ids meets a 404 or an object-level 403
 * and never reaches the code behind them.
 */
import type { Link, Operation, SchemaObject } from '../openapi/index.js';
import { mergeAllOf, typesOf } from './arbitrary.js';
import { decodeJwt } from './auth.js';
import { ScanError } from './errors.js';
import { bodySchema, generatedParameters, preferredMediaType, type RequestValues } from './request.js';
import type { Identity, ScanResponse } from './types.js';

type Slot = 'path' | 'query' | 'header' | 'cookie' | 'body';

export interface UserParam {
  /** The operation it is for (`opId:name=value`), or undefined for every operation. */
  readonly operation: string | undefined;
  readonly name: string;
  readonly raw: string;
}

/** `name=value` or `operationId:name=value`. */
export function parseParam(spec: string): UserParam {
  const eq = spec.indexOf('=');
  const left = spec.slice(0, eq).trim();
  const colon = left.lastIndexOf(':');
  const operation = colon > 0 ? left.slice(0, colon).trim() : undefined;
  const name = colon > 0 ? left.slice(colon + 1).trim() : left;
  if (eq <= 0 || name === '') throw new ScanError('GH_SCAN_USAGE', `--param: expected name=value or operationId:name=value (e.g. userId=1, getOrder:orderId=42), got "${spec.slice(0, 40)}"`);
  return { operation, name, raw: spec.slice(eq + 1) };
}

function flat(schema: SchemaObject | undefined): SchemaObject {
  if (schema === undefined) return {};
  return Array.isArray(schema.allOf) ? mergeAllOf(schema) : schema;
}

/** A value typed the way the schema wants it: `"1"` for an integer is 1; JSON for objects and arrays. */
export function coerce(raw: unknown, schema: SchemaObject | undefined): unknown {
  if (typeof raw !== 'string') return raw;
  const types = typesOf(flat(schema));
  if ((types.includes('integer') || types.includes('number')) && !types.includes('string') && /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/.test(raw.trim())) return Number(raw);
  if (types.includes('boolean') && !types.includes('string') && /^(true|false)$/.test(raw)) return raw === 'true';
  if ((types.includes('object') || types.includes('array')) && !types.includes('string')) {
    try {
      return JSON.parse(raw) as unknown;
    } catch {
      if (types.includes('array')) return raw.split(',');
    }
  }
  return raw;
}

/** Whether a value can stand for the schema's type (ids from a token must fit the parameter). */
export function fits(value: unknown, schema: SchemaObject | undefined): boolean {
  const types = typesOf(flat(schema));
  if (types.length === 0) return typeof value === 'string' || typeof value === 'number';
  if (typeof value === 'number') return types.includes('number') || (types.includes('integer') && Number.isInteger(value)) || types.includes('string');
  if (typeof value === 'string') return types.includes('string');
  if (typeof value === 'boolean') return types.includes('boolean');
  return false;
}

/** Where a named value can go in an operation: each parameter of that name and a top-level body property. */
export function slotsOf(op: Operation, name: string): { slot: Slot; schema: SchemaObject | undefined }[] {
  const out: { slot: Slot; schema: SchemaObject | undefined }[] = [];
  for (const p of generatedParameters(op)) if (p.name === name) out.push({ slot: p.in, schema: p.schema });
  const props = flat(bodySchema(op)).properties;
  if (props !== null && typeof props === 'object' && name in props) out.push({ slot: 'body', schema: (props as Record<string, SchemaObject>)[name] });
  return out;
}

/** The values with `name` set wherever the operation takes it (typed by its schema). */
export function setNamed(op: Operation, values: RequestValues, name: string, raw: unknown, check = false): RequestValues {
  let out = values;
  for (const { slot, schema } of slotsOf(op, name)) {
    const value = coerce(raw, schema);
    if (check && !fits(value, schema)) continue;
    if (slot === 'body') {
      const body = out.body !== null && typeof out.body === 'object' && !Array.isArray(out.body) ? out.body as Record<string, unknown> : {};
      out = { ...out, body: { ...body, [name]: value }, mediaType: out.mediaType ?? preferredMediaType(op) };
    } else {
      out = { ...out, [slot]: { ...out[slot], [name]: value } };
    }
  }
  return out;
}

/** Checks `--param`s against the spec: an unknown operation or a name no operation takes is a typo. */
export function checkParams(params: readonly UserParam[], ops: readonly Operation[]): void {
  for (const p of params) {
    const scope = p.operation === undefined ? ops : ops.filter((o) => o.id === p.operation || o.operationId === p.operation);
    if (p.operation !== undefined && scope.length === 0) throw new ScanError('GH_SCAN_USAGE', `--param ${p.operation}:${p.name}: no operation "${p.operation}" in the spec`);
    if (!scope.some((o) => slotsOf(o, p.name).length > 0)) {
      const where = p.operation === undefined ? 'no operation has' : `operation "${p.operation}" has no`;
      throw new ScanError('GH_SCAN_USAGE', `--param ${p.operation === undefined ? '' : `${p.operation}:`}${p.name}: ${where} parameter or body property named "${p.name}"`);
    }
  }
}

/** The spec's example for each input (parameter, then schema `example`/`examples`/`default`). */
export function withExamples(op: Operation, values: RequestValues): RequestValues {
  let out = values;
  const exampleOf = (schema: SchemaObject | undefined, own?: readonly unknown[]): unknown => {
    const s = flat(schema);
    if (own !== undefined && own.length > 0) return own[0];
    if (s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
    return s.default;
  };
  for (const p of generatedParameters(op)) {
    const ex = exampleOf(p.schema, p.examples);
    if (ex !== undefined) out = { ...out, [p.in]: { ...out[p.in], [p.name]: coerce(ex, p.schema) } };
  }
  const media = preferredMediaType(op);
  const declared = media === undefined ? undefined : op.requestBody?.content[media];
  if (declared === undefined || media === undefined) return out;
  const whole = exampleOf(declared.schema, declared.examples);
  if (whole !== undefined && typeof whole === 'object') return { ...out, body: structuredClone(whole), mediaType: media };
  const props = flat(declared.schema).properties;
  if (props === null || typeof props !== 'object') return out;
  for (const [name, ps] of Object.entries(props as Record<string, SchemaObject>)) {
    const ex = exampleOf(ps);
    if (ex !== undefined && flat(ps).readOnly !== true) out = setNamed(op, out, name, ex);
  }
  return out;
}

// --- the acting identity's own values -----------------------------------------------------------

const USER_ID_PARAM = /^(user|owner|account|member|customer|profile|me)[-_]?id$|^uid$/i;
const USER_NAME_PARAM = /^(user[-_]?name|login|handle)$/i;
const USER_COLLECTION = /^(users?|accounts?|members?|customers?|profiles?|people|persons?)$/i;

/** What the scan knows about who an identity is: ids, user names and emails. */
export class Profile {
  readonly ids = new Set<string>();
  readonly names = new Set<string>();
  readonly emails = new Set<string>();

  /** Every value that names this identity. */
  all(): Set<string> {
    return new Set([...this.ids, ...this.names, ...this.emails]);
  }

  /** Takes ids, names and emails from a token's claims, a login body or a `/me` answer. */
  learn(record: unknown): void {
    if (record === null || typeof record !== 'object' || Array.isArray(record)) return;
    for (const [k, v] of Object.entries(record as Record<string, unknown>)) {
      if (typeof v !== 'string' && typeof v !== 'number') continue;
      const s = String(v);
      if (s === '') continue;
      if (/^(sub|id|uid|user_?id|userId|account_?id)$/i.test(k)) this.ids.add(s);
      else if (/^(preferred_username|username|user_?name|login|handle|name)$/i.test(k)) this.names.add(s);
      else if (/^e?mail$|^email_address$/i.test(k)) this.emails.add(s);
    }
  }

  static of(identity: Identity, extra?: unknown): Profile {
    const p = new Profile();
    p.learn(decodeJwt(identity.value)?.payload);
    p.learn(extra);
    return p;
  }
}

/** The identity's own value for a parameter that names a user (`userId`, `/users/{id}`), when one fits. */
export function ownValue(op: Operation, name: string, schema: SchemaObject | undefined, profile: Profile | undefined): unknown {
  if (profile === undefined) return undefined;
  const segments = op.path.split('/');
  const at = segments.indexOf(`{${name}}`);
  const naming = USER_ID_PARAM.test(name) || (at > 0 && /^(id|key)$/i.test(name) && USER_COLLECTION.test(segments[at - 1] ?? ''));
  const pool = naming ? profile.ids : USER_NAME_PARAM.test(name) ? profile.names : /^e?mail$/i.test(name) ? profile.emails : undefined;
  for (const v of pool ?? []) {
    const typed = coerce(v, schema);
    if (fits(typed, schema)) return typed;
  }
  return undefined;
}

// --- OpenAPI links -------------------------------------------------------------------------------

function atPointer(json: unknown, pointer: string): unknown {
  let v = json;
  for (const raw of pointer.split('/').slice(1)) {
    const k = decodeURIComponent(raw).replaceAll('~1', '/').replaceAll('~0', '~');
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[k];
  }
  return v;
}

/** A runtime expression (OpenAPI 3.1 §4.8.20.4) against one exchange; constants come back as they are. */
export function evaluate(expr: unknown, values: RequestValues, res: ScanResponse, method: string): unknown {
  if (typeof expr !== 'string') return expr;
  const one = (e: string): unknown => {
    if (e === '$statusCode') return res.status;
    if (e === '$method') return method;
    let m = /^\$request\.(path|query|header)\.(.+)$/.exec(e);
    if (m !== null) return values[m[1] as 'path' | 'query' | 'header'][m[2] as string];
    m = /^\$request\.body(?:#(.*))?$/.exec(e);
    if (m !== null) return m[1] === undefined ? values.body : atPointer(values.body, m[1]);
    m = /^\$response\.header\.(.+)$/.exec(e);
    if (m !== null) return res.headers[(m[1] as string).toLowerCase()];
    m = /^\$response\.body(?:#(.*))?$/.exec(e);
    if (m !== null) return m[1] === undefined ? res.json : atPointer(res.json, m[1]);
    return undefined;
  };
  if (expr.startsWith('$')) return one(expr);
  // Expressions embedded in a string: `{$response.body#/id}`.
  if (!expr.includes('{$')) return expr;
  return expr.replace(/\{(\$[^}]+)\}/g, (_m, e: string) => String(one(e) ?? ''));
}

/** The links of the response an operation gave (exact status, then `2XX`, then `default`). */
export function linksFor(op: Operation, status: number): readonly Link[] {
  const r = op.responses[String(status)] ?? op.responses[`${Math.floor(status / 100)}XX`] ?? op.responses.default;
  return Object.values(r?.links ?? {});
}

/** The operation a link targets, by operationId or by operationRef (`#/paths/~1orders~1{id}/get`). */
export function linkTarget(link: Link, ops: readonly Operation[]): Operation | undefined {
  if (link.operationId !== undefined) return ops.find((o) => o.operationId === link.operationId);
  const ref = link.operationRef;
  if (ref === undefined) return undefined;
  const pointer = ref.includes('#') ? ref.slice(ref.indexOf('#') + 1) : ref;
  return ops.find((o) => o.pointer === pointer || o.pointer === decodeURIComponent(pointer));
}

/** Link parameter names may be qualified by location (`path.id`); the slot is then fixed. */
export function linkParam(key: string): { slot: Slot | undefined; name: string } {
  const m = /^(path|query|header|cookie)\.(.+)$/.exec(key);
  return m === null ? { slot: undefined, name: key } : { slot: m[1] as Slot, name: m[2] as string };
}
