/**
 * Pointer access to the raw (un-dereferenced) document. The audit reports at the place a schema
 * is written, so it walks the raw tree and follows `$ref`s itself, into other local files too:
 * that is what lets a shared component be checked, and reported, once, in the file it is written in.
 */
import path from 'node:path';

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

/**
 * Places in other files are written `file#pointer` (an address), the file relative to the root
 * document's folder: an address never starts with `/`, so a root pointer is its own address and
 * rules keep building child pointers by appending segments, wherever the node lives.
 */
export function addressOf(fileKey: string, pointer: string): string {
  return fileKey === '' ? pointer : `${fileKey}#${pointer}`;
}

/** `schemas/user.yaml#/User` -> { fileKey: 'schemas/user.yaml', pointer: '/User' }; a root pointer has fileKey ''. */
export function splitAddress(address: string): { fileKey: string; pointer: string } {
  if (address === '' || address.startsWith('/')) return { fileKey: '', pointer: address };
  const hash = address.indexOf('#');
  return hash === -1 ? { fileKey: address, pointer: '' } : { fileKey: address.slice(0, hash), pointer: address.slice(hash + 1) };
}

/** Where a `$ref` leads, without reading anything. */
export type RefTarget =
  | { readonly kind: 'local'; readonly address: string }
  | { readonly kind: 'file'; readonly address: string; readonly file: string }
  | { readonly kind: 'remote' };

/** The parsed value of an external file by absolute path; undefined when it cannot be read or parsed. */
export type FileSource = (absoluteFile: string) => unknown;

export interface ExternalFiles {
  /** Absolute path of the root document: relative `$ref`s resolve from its folder. */
  readonly rootFile: string;
  readonly read: FileSource;
}

const REMOTE = /^[a-z][a-z0-9+.-]*:/i;

export class RawDoc {
  private readonly cache = new Map<string, unknown>();
  private readonly values = new Map<string, unknown>();
  private readonly rootDir: string;
  private reachable: string[] | undefined;

  /** Without `external`, references into other files are not followed (node undefined). */
  constructor(readonly root: Json, private readonly external?: ExternalFiles) {
    this.rootDir = external === undefined ? '' : path.dirname(path.resolve(external.rootFile));
  }

  /** Absolute path of the file an address lives in. */
  fileOf(address: string): string | undefined {
    const { fileKey } = splitAddress(address);
    if (this.external === undefined) return undefined;
    return fileKey === '' ? path.resolve(this.external.rootFile) : path.resolve(this.rootDir, decodeKey(fileKey));
  }

  /** The node at an address (a root pointer `/a/b`, or `file#/a/b`), or undefined. */
  get(address: string): unknown {
    if (address === '') return this.root;
    const hit = this.cache.get(address);
    if (hit !== undefined || this.cache.has(address)) return hit;
    const { fileKey, pointer } = splitAddress(address);
    let node: unknown = fileKey === '' ? this.root : this.fileValue(fileKey);
    for (const seg of segmentsOf(pointer)) {
      if (Array.isArray(node)) node = node[Number(seg)];
      else if (isObject(node)) node = Object.hasOwn(node, seg) ? node[seg] : undefined;
      else { node = undefined; break; }
    }
    this.cache.set(address, node);
    return node;
  }

  /** The parsed content of an external file (by its key), read once. */
  private fileValue(fileKey: string): unknown {
    if (this.values.has(fileKey)) return this.values.get(fileKey);
    const abs = this.fileOf(fileKey + '#');
    const value = abs === undefined || this.external === undefined ? undefined : this.external.read(abs);
    this.values.set(fileKey, value);
    return value;
  }

  /** Whether an external file (by key) could be read and parsed. */
  hasFile(fileKey: string): boolean {
    return fileKey === '' || this.fileValue(fileKey) !== undefined;
  }

  /**
   * Where `ref`, written at `from`, leads. Relative file references resolve against the referring
   * file's folder; a URL with a scheme (https:, http:) is remote and never fetched.
   */
  target(ref: string, from: string): RefTarget {
    const { fileKey } = splitAddress(from);
    const hash = ref.indexOf('#');
    const filePart = hash === -1 ? ref : ref.slice(0, hash);
    const pointer = hash === -1 ? '' : decodeFragment(ref.slice(hash + 1));
    if (filePart === '') return { kind: 'local', address: addressOf(fileKey, pointer) };
    if (REMOTE.test(filePart) && !filePart.startsWith('file:')) return { kind: 'remote' };
    // Opened without its files (the threat model reads the root alone): another file is out of reach too.
    if (this.external === undefined) return { kind: 'remote' };
    let local: string;
    try {
      local = filePart.startsWith('file:') ? new URL(filePart).pathname : decodeURI(filePart);
    } catch {
      local = filePart;
    }
    const base = this.fileOf(from) ?? this.rootDir;
    const abs = path.resolve(path.dirname(base), local);
    return { kind: 'file', address: this.addressIn(abs, pointer), file: abs };
  }

  /** The address of a place the loader reports as file (undefined: the root) and pointer. */
  placeOf(at: { readonly file?: string | undefined; readonly pointer: string }): string {
    return at.file === undefined ? at.pointer : this.addressIn(at.file, at.pointer);
  }

  /** The address of a pointer in a file given by path (the root file's pointers are their own address). */
  addressIn(file: string, pointer: string): string {
    if (this.external === undefined) return pointer;
    const abs = path.resolve(file);
    if (abs === path.resolve(this.external.rootFile)) return pointer;
    return addressOf(encodeKey(path.relative(this.rootDir, abs).split(path.sep).join('/')), pointer);
  }

  /**
   * Follows `$ref` chains, into other files when the document was opened with them. Returns the
   * final node and its address; a remote, unreadable or dangling reference yields `node: undefined`
   * (the dangling case is a finding of its own).
   */
  resolve(node: unknown, pointer: string): Resolved {
    let cur = node;
    let ptr = pointer;
    for (let hops = 0; hops < 32 && isObject(cur) && typeof cur.$ref === 'string'; hops++) {
      const t = this.target(cur.$ref, ptr);
      if (t.kind === 'remote') return { node: undefined, pointer: ptr };
      ptr = t.address;
      cur = this.get(ptr);
    }
    return { node: cur, pointer: ptr };
  }

  at(pointer: string): Resolved {
    return this.resolve(this.get(pointer), pointer);
  }

  /**
   * Keys of the external files reachable from the root through `$ref`s anywhere in them (not only
   * in schemas the walk meets), each read once; cycles between files end at the first repeat.
   */
  externalFiles(): readonly string[] {
    if (this.reachable !== undefined) return this.reachable;
    const out: string[] = [];
    if (this.external === undefined) return (this.reachable = out);
    const seen = new Set<string>(['']);
    const queue = [''];
    for (let key = queue.shift(); key !== undefined; key = queue.shift()) {
      const value = key === '' ? this.root : this.fileValue(key);
      walkObjects(value, (n, pointer) => {
        if (typeof n.$ref !== 'string') return;
        const t = this.target(n.$ref, addressOf(key, pointer()));
        if (t.kind !== 'file') return;
        const next = splitAddress(t.address).fileKey;
        if (seen.has(next)) return;
        seen.add(next);
        if (!this.hasFile(next)) return;
        out.push(next);
        queue.push(next);
      });
    }
    return (this.reachable = out);
  }

  /** Visits every object of the root and of every reachable external file, with its address. */
  walkAll(visit: (node: Json, address: () => string) => void, skip?: string): void {
    walkObjects(this.root, visit, skip);
    for (const key of this.externalFiles()) walkObjects(this.fileValue(key), (n, p) => visit(n, () => addressOf(key, p())), skip);
  }
}

/** A file key may not contain `#` (it ends the key): percent-encode it, and `%` itself. */
function encodeKey(rel: string): string {
  return rel.replaceAll('%', '%25').replaceAll('#', '%23');
}
function decodeKey(key: string): string {
  return key.replaceAll('%23', '#').replaceAll('%25', '%');
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
