/**
 * What the spec says about each operation, read once, each fact with the pointer it was read at:
 * who may call it, whether it changes state, the fields it takes and returns (with where each is
 * written), its object identifiers and its sensitive fields. Derivations (derive.ts) only look at
 * these facts, so a threat can always name the place in the document it comes from.
 */
import type { LoadedSpec, Operation, SecurityRequirement } from '../openapi/types.js';
import { child, isObject, RawDoc, segmentsOf, type Json } from '../audit/raw.js';
import { typesOf } from '../audit/schema-walk.js';
import { WRITE_METHODS } from '../audit/rules/util.js';
import { isBinary } from './fields.js';
import type { Evidence } from './types.js';

export type FieldPlace = 'path' | 'query' | 'header' | 'cookie' | 'body';

/** One value an operation takes or returns: a parameter, or a property of a body at any depth. */
export interface Field {
  readonly name: string;
  /** From the body root: `customer.id`, `items[].sku`; a parameter's own name. */
  readonly path: string;
  readonly in: FieldPlace;
  /** The schema, with `$ref`s followed. */
  readonly schema: Json;
  readonly at: Evidence;
}

export interface SecurityFacts {
  /** Anyone may call it: no requirement, or only the empty one. */
  readonly anonymous: boolean;
  /** Credentials are accepted but not required (an empty `{}` among the alternatives). */
  readonly optional: boolean;
  readonly requirements: readonly SecurityRequirement[];
  readonly scopes: readonly string[];
  readonly at: Evidence;
}

export interface OperationFacts {
  readonly op: Operation;
  readonly at: Evidence;
  readonly security: SecurityFacts;
  /** The method, when it changes state (POST, PUT, PATCH, DELETE). */
  readonly writes: Evidence | undefined;
  readonly inputs: readonly Field[];
  /** Fields of the success (2xx) responses. */
  readonly outputs: readonly Field[];
  /** A success response whose body is a list. */
  readonly list: Evidence | undefined;
  /** A body taken as a file (multipart, octet-stream, binary strings). */
  readonly upload: Evidence | undefined;
  /** The path, a tag or an `x-admin` extension marks the operation as administrative. */
  readonly admin: Evidence | undefined;
  /** A JSON or form request body object that accepts properties it does not name. */
  readonly openBody: Evidence | undefined;
}

export interface DocumentFacts {
  readonly spec: LoadedSpec;
  readonly operations: readonly OperationFacts[];
  /** Some operation of the document requires a scope: scopes are how this API grants functions. */
  readonly usesScopes: boolean;
}

/** Most fields a body walk collects per operation: enough for every derivation on real specs. */
const MAX_FIELDS = 400;
const MAX_DEPTH = 8;

export function readFacts(spec: LoadedSpec): DocumentFacts {
  const raw = new RawDoc(spec.raw);
  const ev = evidenceMaker(spec);
  const operations = spec.operations.map((op) => operationFacts(spec, raw, op, ev));
  return { spec, operations, usesScopes: operations.some((o) => o.security.scopes.length > 0) };
}

export type MakeEvidence = (pointer: string, says: string, file?: string) => Evidence;

export function evidenceMaker(spec: LoadedSpec): MakeEvidence {
  return (pointer, says, file) => {
    const f = file ?? spec.file;
    return { pointer, file: f, line: lineOf(spec, pointer, file), says };
  };
}

/** The line of a pointer, or of its nearest ancestor that is written in the file. */
function lineOf(spec: LoadedSpec, pointer: string, file: string | undefined): number | undefined {
  let p = pointer;
  for (;;) {
    let loc: number | undefined;
    try {
      loc = spec.locate(p, file)?.line;
    } catch {
      loc = undefined;
    }
    if (loc !== undefined || p === '') return loc;
    p = p.slice(0, p.lastIndexOf('/'));
  }
}

function operationFacts(spec: LoadedSpec, raw: RawDoc, op: Operation, ev: MakeEvidence): OperationFacts {
  const label = `${op.method} ${op.path}`;
  const inputs: Field[] = [];
  for (const p of op.parameters) {
    const schema = isObject(p.schema) ? p.schema : {};
    inputs.push({ name: p.name, path: p.name, in: p.in, schema, at: ev(p.pointer, `${p.in} parameter \`${p.name}\`${describeSchema(schema)}`) });
  }
  let upload: Evidence | undefined;
  const body = op.requestBody;
  if (body !== undefined) {
    for (const [mediaType, media] of Object.entries(body.content)) {
      const lower = mediaType.toLowerCase();
      if (upload === undefined && (lower.startsWith('multipart/') || lower === 'application/octet-stream')) upload = ev(body.pointer, `request body accepted as ${mediaType}`);
      if (media.schemaAt === undefined && spec.version === '2.0') formFields(raw, op, inputs, ev);
      else collectFields(spec, raw, media.schema, media.schemaAt, body.pointer, 'body', inputs, ev);
    }
    if (upload === undefined) {
      const file = inputs.find((f) => f.in === 'body' && isBinary(f.schema));
      if (file !== undefined) upload = ev(file.at.pointer, `body field \`${file.path}\` is a file (${String(file.schema.format ?? file.schema.type)})`, file.at.file === spec.file ? undefined : file.at.file);
    }
  }
  const outputs: Field[] = [];
  let list: Evidence | undefined;
  for (const [status, response] of Object.entries(op.responses)) {
    if (!/^2/.test(status)) continue;
    for (const [mediaType, media] of Object.entries(response.content)) {
      const schema = media.schema;
      if (list === undefined && isObject(schema) && typesOf(schema).includes('array')) {
        list = ev(writtenAt(spec, raw, media.schemaAt, response.pointer), `the ${status} response (${mediaType}) is a list${schema.maxItems === undefined ? ' without maxItems' : ` of at most ${String(schema.maxItems)}`}`, media.schemaAt?.file);
      }
      collectFields(spec, raw, schema, media.schemaAt, response.pointer, 'body', outputs, ev);
    }
  }
  return {
    op,
    at: ev(op.pointer, label),
    security: securityFacts(raw, op, ev),
    writes: WRITE_METHODS.has(op.method) ? ev(op.pointer, `${op.method} changes state`) : undefined,
    inputs: distinct(inputs),
    outputs: distinct(outputs),
    list,
    upload,
    admin: adminMark(op, ev),
    openBody: openBody(spec, raw, op, ev),
  };
}

/** One field per place and path: a schema served as JSON and XML, or under 200 and 201, is one set of fields. */
function distinct(fields: Field[]): Field[] {
  const seen = new Set<string>();
  return fields.filter((f) => {
    const key = `${f.in}\u0000${f.path}\u0000${f.at.file}\u0000${f.at.pointer}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** Where a schema is written: through `$ref`s in the root document; as given in another file; else its owner. */
function writtenAt(spec: LoadedSpec, raw: RawDoc, at: { file?: string; pointer: string } | undefined, owner: string): string {
  if (at === undefined) return owner;
  if (at.file !== undefined && at.file !== spec.file) return at.pointer;
  const found = followPointer(raw, at.pointer);
  return found.node === undefined ? owner : found.pointer;
}

function openBody(spec: LoadedSpec, raw: RawDoc, op: Operation, ev: MakeEvidence): Evidence | undefined {
  const body = op.requestBody;
  if (body === undefined) return undefined;
  for (const [mediaType, media] of Object.entries(body.content)) {
    const s = media.schema;
    if (!/json|form/i.test(mediaType) || !isObject(s)) continue;
    const isObj = typesOf(s).includes('object') || (s.type === undefined && isObject(s.properties));
    if (isObj && s.additionalProperties !== false && s.unevaluatedProperties !== false) {
      return ev(writtenAt(spec, raw, media.schemaAt, body.pointer), `the ${mediaType} body object does not set additionalProperties: false`, media.schemaAt?.file);
    }
  }
  return undefined;
}

function securityFacts(raw: RawDoc, op: Operation, ev: MakeEvidence): SecurityFacts {
  const rawOp = raw.get(op.pointer);
  const own = isObject(rawOp) && rawOp.security !== undefined;
  const pointer = own ? `${op.pointer}/security` : raw.root.security !== undefined ? '/security' : op.pointer;
  const reqs = op.security;
  const empty = (r: SecurityRequirement): boolean => Object.keys(r).length === 0;
  const anonymous = reqs.length === 0 || reqs.every(empty);
  const optional = !anonymous && reqs.some(empty);
  const scopes = [...new Set(reqs.flatMap((r) => Object.values(r).flat()))];
  const says = reqs.length === 0
    ? (own ? 'security: [] (no credential needed)' : 'no security requirement, here or for the document')
    : anonymous ? 'security lists only {} (no credential needed)'
      : `security: ${reqs.map((r) => (empty(r) ? '{} (anonymous)' : Object.entries(r).map(([n, s]) => (s.length > 0 ? `${n} [${s.join(', ')}]` : n)).join(' + '))).join(' or ')}`;
  return { anonymous, optional, requirements: reqs, scopes, at: ev(pointer, says) };
}

const ADMIN_SEGMENT = /^(admin|administration|administrator|internal|manage|management|debug|sudo|superuser|ops|backoffice|back-office|staff)$/i;

function adminMark(op: Operation, ev: MakeEvidence): Evidence | undefined {
  if (op.extensions['x-admin'] === true) return ev(`${op.pointer}/x-admin`, 'x-admin: true');
  const tag = op.tags.findIndex((t) => ADMIN_SEGMENT.test(t));
  if (tag >= 0) return ev(`${op.pointer}/tags/${tag}`, `tag \`${op.tags[tag] ?? ''}\``);
  const segment = op.path.split('/').find((s) => ADMIN_SEGMENT.test(s));
  if (segment !== undefined) return ev(op.pointer, `the path ${op.path} has the segment \`${segment}\``);
  return undefined;
}

/**
 * Collects every property of a body schema with its pointer. A schema written in the root
 * document is walked in its raw form, so a shared component is reported where it is written
 * (`/components/schemas/User/properties/email`); one from another file is walked dereferenced.
 */
function collectFields(
  spec: LoadedSpec, raw: RawDoc, schema: unknown, at: { file?: string; pointer: string } | undefined, owner: string, place: FieldPlace, out: Field[], ev: MakeEvidence,
): void {
  if (!isObject(schema)) return;
  const external = at?.file !== undefined && at.file !== spec.file;
  if (at !== undefined && !external) {
    const { node: start, pointer: startPointer } = followPointer(raw, at.pointer);
    if (isObject(start)) {
      // OpenAPI 3.1 applies keywords written beside a `$ref` (`readOnly: true` on a shared type), as the loader does.
      const siblings = spec.version === '3.1';
      walk(start, startPointer, (node, ptr) => resolveRaw(raw, node, ptr, siblings), place, out, ev, undefined, undefined);
      return;
    }
  }
  // A schema the loader built (no place of its own in the document): its fields are cited at the body or response that holds it.
  walk(schema, at?.pointer ?? owner, (node, ptr) => ({ node, pointer: ptr }), place, out, ev, external ? at.file : undefined, at === undefined ? owner : undefined);
}

/**
 * The node at a pointer that may pass through `$ref`s (`/paths/~1u/get/responses/200/schema`
 * where `200` is `$ref: '#/responses/User'`), and the pointer where it is written.
 */
function followPointer(raw: RawDoc, pointer: string): { node: unknown; pointer: string } {
  let here = raw.resolve(raw.root, '');
  for (const segment of segmentsOf(pointer)) {
    const n = here.node;
    const next = Array.isArray(n) ? n[Number(segment)] : isObject(n) && Object.hasOwn(n, segment) ? n[segment] : undefined;
    if (next === undefined) return { node: undefined, pointer };
    here = raw.resolve(next, child(here.pointer, segment));
  }
  return here;
}

function resolveRaw(raw: RawDoc, node: unknown, pointer: string, siblings: boolean): { node: unknown; pointer: string } {
  const r = raw.resolve(node, pointer);
  if (!siblings || !isObject(node) || node.$ref === undefined || !isObject(r.node)) return r;
  const { $ref: _ref, ...beside } = node;
  return Object.keys(beside).length === 0 ? r : { node: { ...r.node, ...beside }, pointer: r.pointer };
}

/** Swagger 2.0 form fields: the loader gathers `in: formData` parameters into one schema; each is cited as the parameter it is written as. */
function formFields(raw: RawDoc, op: Operation, out: Field[], ev: MakeEvidence): void {
  const item = op.pointer.slice(0, op.pointer.lastIndexOf('/'));
  const seen = new Set<string>();
  for (const base of [op.pointer, item]) {
    const list = raw.get(`${base}/parameters`);
    if (!Array.isArray(list)) continue;
    list.forEach((p: unknown, i) => {
      const r = raw.resolve(p, `${base}/parameters/${i}`);
      const n = r.node;
      if (!isObject(n) || n.in !== 'formData' || typeof n.name !== 'string' || seen.has(n.name)) return;
      seen.add(n.name);
      const schema = n.type === 'file' ? { type: 'string', format: 'binary' } : n;
      out.push({ name: n.name, path: n.name, in: 'body', schema, at: ev(r.pointer, `form field \`${n.name}\`${describeSchema(schema)}`) });
    });
  }
}

type Resolve = (node: unknown, pointer: string) => { node: unknown; pointer: string };

function walk(
  root: Json, rootPointer: string, resolve: Resolve, place: FieldPlace, out: Field[], ev: MakeEvidence, file: string | undefined, citeAt: string | undefined,
): void {
  const onPath = new Set<unknown>();
  const visit = (node: unknown, pointer: string, path: string, depth: number): void => {
    if (out.length >= MAX_FIELDS || depth > MAX_DEPTH) return;
    const r = resolve(node, pointer);
    const n = r.node;
    if (!isObject(n) || onPath.has(n)) return;
    onPath.add(n);
    if (isObject(n.properties)) {
      for (const [name, prop] of Object.entries(n.properties)) {
        const propPointer = child(r.pointer, 'properties', name);
        const resolved = resolve(prop, propPointer).node;
        const schema = isObject(resolved) ? resolved : {};
        const fieldPath = path === '' ? name : `${path}.${name}`;
        out.push({ name, path: fieldPath, in: place, schema, at: ev(citeAt ?? propPointer, `property \`${fieldPath}\`${describeSchema(schema)}`, file) });
        visit(prop, propPointer, fieldPath, depth + 1);
      }
    }
    if (n.items !== undefined && !Array.isArray(n.items)) visit(n.items, child(r.pointer, 'items'), `${path}[]`, depth + 1);
    for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
      const list = n[key];
      if (Array.isArray(list)) list.forEach((s, i) => visit(s, child(r.pointer, key, i), path, depth + 1));
    }
    if (isObject(n.additionalProperties)) visit(n.additionalProperties, child(r.pointer, 'additionalProperties'), `${path}.*`, depth + 1);
    onPath.delete(n);
  };
  visit(root, rootPointer, '', 0);
}

function describeSchema(s: Json): string {
  const bits: string[] = [];
  const types = typesOf(s);
  if (types.length > 0) bits.push(types.join('|'));
  if (typeof s.format === 'string') bits.push(`format ${s.format}`);
  if (s.readOnly === true) bits.push('readOnly');
  if (s.writeOnly === true) bits.push('writeOnly');
  return bits.length === 0 ? '' : ` (${bits.join(', ')})`;
}
