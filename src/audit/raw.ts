/**
 * Pointer access to the raw (un-dereferenced) document. The audit reports at the place a schema
 * is written, so it walks the raw tree and follows internal `$ref`s itself: that is what lets a
 * shared component be checked, and reported, once.
 */
export type Json = Readonly<Record<string, unknown>>;

export function isObject(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function escapeSegment(s: string): string {
  return s.replaceAll('~', '~0').replaceAll('/', '~1');
}

export function unescapeSegment(s: string): string {
  return s.replaceAll('~1', '/').replaceAll('~0', '~');
}

export function child(pointer: string, ...segments: (string | number)[]): string {
  let p = pointer;
  for (const s of segments) p += '/' + escapeSegment(String(s));
  return p;
}

export function segmentsOf(pointer: string): string[] {
  if (pointer === '' || pointer === '/') return [];
  return pointer.slice(1).split('/').map(unescapeSegment);
}

export interface Resolved {
  readonly node: unknown;
  readonly pointer: string;
}

export class RawDoc {
  private readonly cache = new Map<string, unknown>();
  constructor(readonly root: Json) {}

  /** The node at a JSON pointer (`/a/b`), or undefined. */
  get(pointer: string): unknown {
    if (pointer === '') return this.root;
    const hit = this.cache.get(pointer);
    if (hit !== undefined || this.cache.has(pointer)) return hit;
    let node: unknown = this.root;
    for (const seg of segmentsOf(pointer)) {
      if (Array.isArray(node)) node = node[Number(seg)];
      else if (isObject(node)) node = Object.hasOwn(node, seg) ? node[seg] : undefined;
      else { node = undefined; break; }
    }
    this.cache.set(pointer, node);
    return node;
  }

  /**
   * Follows local `$ref` chains (`#/...`). Returns the final node and its pointer; an external or
   * dangling reference yields `node: undefined` (the dangling case is a finding of its own).
   */
  resolve(node: unknown, pointer: string): Resolved {
    let cur = node;
    let ptr = pointer;
    for (let hops = 0; hops < 32 && isObject(cur) && typeof cur.$ref === 'string'; hops++) {
      const ref = cur.$ref;
      if (!ref.startsWith('#')) return { node: undefined, pointer: ptr };
      ptr = decodeFragment(ref.slice(1));
      cur = this.get(ptr);
    }
    return { node: cur, pointer: ptr };
  }

  at(pointer: string): Resolved {
    return this.resolve(this.get(pointer), pointer);
  }
}

/** `#/components/schemas/A%20B` -> `/components/schemas/A B` (URI fragment encoding, RFC 6901 §6). */
export function decodeFragment(fragment: string): string {
  try {
    return decodeURIComponent(fragment);
  } catch {
    return fragment;
  }
}

/**
 * Visits every object of a document once, depth first, with a function giving its JSON pointer:
 * the pointer is built only when asked for (rules report few places out of many thousand).
 * Example values are data, not contract, and are not entered; nor is any key in `skip`.
 */
export function walkObjects(root: unknown, visit: (node: Json, pointer: () => string) => void, skip?: string): void {
  const segs: string[] = [];
  const pointer = (): string => (segs.length === 0 ? '' : child('', ...segs));
  const walk = (node: unknown): void => {
    if (Array.isArray(node)) {
      for (let i = 0; i < node.length; i++) if (typeof node[i] === 'object' && node[i] !== null) { segs.push(String(i)); walk(node[i]); segs.pop(); }
      return;
    }
    if (!isObject(node)) return;
    visit(node, pointer);
    for (const k in node) {
      const v = node[k];
      if (typeof v === 'object' && v !== null && k !== 'example' && k !== 'examples' && k !== skip) { segs.push(k); walk(v); segs.pop(); }
    }
  };
  walk(root);
}
