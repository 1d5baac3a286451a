/**
 * The single schema walk: every schema node reachable from an operation's parameters, request
 * body or responses is visited once per role, keyed by its resolved pointer. Big specs share
 * components across hundreds of operations, so this keeps the audit linear in the document size,
 * terminates on recursive schemas, and reports a shared component's problem once, at the component.
 */
import type { LoadedSpec } from '../openapi/types.js';
import { RawDoc, addressOf, child, isObject, splitAddress, type Json } from './raw.js';
import type { SchemaRole, SchemaSite } from './types.js';

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const LIST_KEYS = ['allOf', 'anyOf', 'oneOf', 'prefixItems'] as const;
const MAP_KEYS = ['properties', 'patternProperties'] as const;

export interface WalkResult {
  readonly request: Set<string>;
  readonly response: Set<string>;
}

export function walkSchemas(spec: LoadedSpec, raw: RawDoc, visit: (site: SchemaSite) => void): WalkResult {
  const seen: WalkResult = { request: new Set(), response: new Set() };
  const members = composedMembers(raw);
  // A subschema's `$ref` resolves against the file its schema is written in: one resolver per file.
  const resolvers = new Map<string, (n: unknown) => Json | undefined>();
  const resolverFor = (pointer: string): ((n: unknown) => Json | undefined) => {
    const key = splitAddress(pointer).fileKey;
    let fn = resolvers.get(key);
    if (fn === undefined) {
      const base = addressOf(key, '');
      fn = (n: unknown): Json | undefined => {
        const r = raw.resolve(n, base).node;
        return isObject(r) ? r : undefined;
      };
      resolvers.set(key, fn);
    }
    return fn;
  };
  const walk = (rootNode: unknown, rootPtr: string, role: SchemaRole, upload: boolean): void => {
    const stack: [unknown, string][] = [[rootNode, rootPtr]];
    const visited = seen[role];
    while (stack.length > 0) {
      const [n, p] = stack.pop() as [unknown, string];
      const { node, pointer } = raw.resolve(n, p);
      if (!isObject(node) || visited.has(pointer)) continue;
      visited.add(pointer);
      visit({ node, pointer, role, upload, composedMember: members.has(pointer), openapi31: spec.version === '3.1', resolve: resolverFor(pointer) });
      for (const k of MAP_KEYS) {
        const m = node[k];
        if (isObject(m)) for (const [name, s] of Object.entries(m)) stack.push([s, child(pointer, k, name)]);
      }
      for (const k of LIST_KEYS) {
        const l = node[k];
        if (Array.isArray(l)) l.forEach((s, i) => stack.push([s, child(pointer, k, i)]));
      }
      if (isObject(node.additionalProperties)) stack.push([node.additionalProperties, child(pointer, 'additionalProperties')]);
      if (isObject(node.items)) stack.push([node.items, child(pointer, 'items')]);
      else if (Array.isArray(node.items)) node.items.forEach((s, i) => stack.push([s, child(pointer, 'items', i)]));
    }
  };
  const is2 = spec.version === '2.0';
  /**
   * One path item's operations. `outgoing` is true for webhooks and callbacks: there the API is the
   * caller, so the body it sends is its output (judged like a response) and the answer it reads is
   * untrusted input (judged like a request).
   */
  const walkItem = (itemRef: unknown, itemAt: string, outgoing: boolean, depth: number): void => {
    const item = raw.resolve(itemRef, itemAt);
    if (!isObject(item.node)) return;
    const sent: SchemaRole = outgoing ? 'response' : 'request';
    const received: SchemaRole = outgoing ? 'request' : 'response';
    for (const m of METHODS) {
      const opPtr = child(item.pointer, m);
      const op = item.node[m];
      if (!isObject(op)) continue;
      for (const listPtr of [child(item.pointer, 'parameters'), child(opPtr, 'parameters')]) {
        const list = raw.get(listPtr);
        if (!Array.isArray(list)) continue;
        list.forEach((entry, i) => {
          const r = raw.resolve(entry, child(listPtr, i));
          if (!isObject(r.node)) return;
          const prm = r.node;
          if (is2) {
            if (prm.in === 'body') walk(prm.schema, child(r.pointer, 'schema'), sent, false);
            else walk(prm, r.pointer, sent, prm.type === 'file');
          } else {
            if (prm.schema !== undefined) walk(prm.schema, child(r.pointer, 'schema'), sent, false);
            forContent(prm.content, child(r.pointer, 'content'), (sc, sp) => walk(sc, sp, sent, false));
          }
        });
      }
      if (!is2 && op.requestBody !== undefined) {
        const rb = raw.resolve(op.requestBody, child(opPtr, 'requestBody'));
        if (isObject(rb.node)) forContent(rb.node.content, child(rb.pointer, 'content'), (sc, sp, mt) => walk(sc, sp, sent, isUploadType(mt)));
      }
      const responses = op.responses;
      if (isObject(responses)) {
        for (const code of Object.keys(responses)) {
          const r = raw.resolve(responses[code], child(opPtr, 'responses', code));
          if (!isObject(r.node)) continue;
          if (is2) walk(r.node.schema, child(r.pointer, 'schema'), received, false);
          else forContent(r.node.content, child(r.pointer, 'content'), (sc, sp) => walk(sc, sp, received, false));
        }
      }
      // Callbacks (3.x): requests the API makes back to the client; one level, as specs write them.
      if (!is2 && depth === 0 && isObject(op.callbacks)) {
        for (const name of Object.keys(op.callbacks)) {
          const cb = raw.resolve(op.callbacks[name], child(opPtr, 'callbacks', name));
          if (!isObject(cb.node)) continue;
          for (const expr of Object.keys(cb.node)) if (!expr.startsWith('x-')) walkItem(cb.node[expr], child(cb.pointer, expr), true, depth + 1);
        }
      }
    }
  };
  const paths = raw.get('/paths');
  if (isObject(paths)) for (const p of Object.keys(paths)) walkItem(paths[p], child('/paths', p), false, 0);
  // 3.1 webhooks: requests the API sends to subscribers.
  const webhooks = raw.get('/webhooks');
  if (isObject(webhooks)) for (const w of Object.keys(webhooks)) walkItem(webhooks[w], child('/webhooks', w), true, 0);
  return seen;
}

/**
 * Resolved pointers of every schema that is part of a larger one: an `allOf` member (inline or
 * `$ref`), or the target of a 3.1 `$ref` with sibling keywords. Found before the walk, because a
 * component may be reached directly before the walk meets it inside a composition.
 */
function composedMembers(raw: RawDoc): Set<string> {
  const out = new Set<string>();
  raw.walkAll((node, pointer) => {
    if (Array.isArray(node.allOf)) {
      const base = pointer();
      node.allOf.forEach((m, i) => out.add(raw.resolve(m, child(base, 'allOf', i)).pointer));
    }
    if (typeof node.$ref === 'string' && Object.keys(node).some((k) => k === 'unevaluatedProperties' || k === 'properties')) {
      out.add(raw.resolve(node, pointer()).pointer);
    }
  });
  return out;
}

function forContent(content: unknown, ptr: string, fn: (schema: unknown, pointer: string, mediaType: string) => void): void {
  if (!isObject(content)) return;
  for (const [mt, media] of Object.entries(content)) {
    if (isObject(media) && media.schema !== undefined) fn(media.schema, child(ptr, mt, 'schema'), mt);
  }
}

export function isUploadType(mediaType: string): boolean {
  const mt = mediaType.toLowerCase();
  return mt.startsWith('multipart/') || mt === 'application/octet-stream' || mt.startsWith('image/') || mt.startsWith('video/') || mt.startsWith('audio/');
}

/** `type` as a list (3.1 allows arrays of types; 2.0/3.0 a single string). */
export function typesOf(node: Json): string[] {
  const t = node.type;
  if (typeof t === 'string') return [t];
  if (Array.isArray(t)) return t.filter((x): x is string => typeof x === 'string');
  return [];
}
