/**
 * Resources inferred from path templates: `/orders` (create with POST, list with GET) and
 * `/orders/{orderId}` (read, update, delete). Objects the scan creates or lists are kept by
 * collection and owner, so later requests use real ids (stateful chains, BOLA).
 */
import type { Operation } from '../openapi/index.js';

export interface Resource {
  readonly collection: string;
  readonly param: string;
  readonly create: Operation | undefined;
  readonly list: Operation | undefined;
  readonly read: Operation | undefined;
  readonly update: Operation | undefined;
  readonly remove: Operation | undefined;
}

export function findResources(ops: readonly Operation[]): Resource[] {
  const out: Resource[] = [];
  const byKey = new Map<string, Operation>(ops.map((o) => [`${o.method} ${o.path}`, o]));
  const itemPaths = new Set(ops.map((o) => o.path).filter((p) => /\/\{[^}]+\}$/.test(p)));
  for (const path of itemPaths) {
    const m = /^(.*)\/\{([^}]+)\}$/.exec(path) as RegExpExecArray;
    const collection = m[1] as string;
    const get = (method: string): Operation | undefined => byKey.get(`${method} ${path}`);
    out.push({
      collection, param: m[2] as string,
      create: byKey.get(`POST ${collection}`), list: byKey.get(`GET ${collection}`),
      read: get('GET'), update: get('PUT') ?? get('PATCH'), remove: get('DELETE'),
    });
  }
  return out;
}

/** The array of objects in a list response: the body itself or its `items`/`data`/... member. */
export function itemsOf(json: unknown): unknown[] {
  if (Array.isArray(json)) return json;
  if (json !== null && typeof json === 'object') {
    for (const key of ['items', 'data', 'results', 'content', 'records', 'value']) {
      const v = (json as Record<string, unknown>)[key];
      if (Array.isArray(v)) return v;
    }
  }
  return [];
}

/** The identifier of an object for a path parameter: the same-named field, then `id`-like ones. */
export function idOf(obj: unknown, param: string): string | number | undefined {
  if (obj === null || typeof obj !== 'object') return undefined;
  const o = obj as Record<string, unknown>;
  const singular = param.replace(/Id$|_id$/i, '');
  for (const key of [param, 'id', `${singular}Id`, `${singular}_id`, 'uuid', '_id', 'key', 'name']) {
    const v = o[key];
    if (typeof v === 'string' || typeof v === 'number') return v;
  }
  return undefined;
}

export interface StoredObject {
  readonly owner: string | undefined;
  readonly id: string | number;
  readonly value: unknown;
  readonly created: boolean;
}

export class ObjectStore {
  private readonly byCollection = new Map<string, StoredObject[]>();

  add(collection: string, obj: StoredObject): void {
    const list = this.byCollection.get(collection) ?? [];
    if (!list.some((o) => o.id === obj.id && o.owner === obj.owner)) list.push(obj);
    this.byCollection.set(collection, list);
  }

  of(collection: string, owner?: string): StoredObject[] {
    return (this.byCollection.get(collection) ?? []).filter((o) => owner === undefined || o.owner === owner);
  }

  forget(collection: string, id: string | number): void {
    this.byCollection.set(collection, (this.byCollection.get(collection) ?? []).filter((o) => o.id !== id));
  }
}
