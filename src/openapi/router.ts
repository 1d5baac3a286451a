import type { Operation } from './types.js';

export interface RouteEntry<T> {
  /** Server base path (`/v1`) or `''`. */
  readonly basePath: string;
  readonly operation: Operation;
  readonly value: T;
}

export type RouteMatch<T> =
  | { readonly value: T; readonly params: Record<string, string> }
  | { readonly methodNotAllowed: true; readonly allowed: readonly string[] };

export interface Router<T> {
  match(method: string, path: string): RouteMatch<T> | undefined;
}

/** A template segment with literal text around one parameter: `{name}.json`, `v{major}`. */
interface Affix<T> {
  readonly prefix: string;
  readonly suffix: string;
  readonly node: Node<T>;
}

interface Leaf<T> {
  readonly methods: Map<string, { value: T; names: readonly string[] }>;
  allowed: string[];
}

interface Node<T> {
  /** Static children by a hash of the segment text, verified against `text` (see `segmentHash`). */
  readonly statics: Map<number, Node<T>[]>;
  readonly text: string;
  readonly affixes: Affix<T>[];
  param: Node<T> | undefined;
  /** Complex segments (several parameters in one segment) fall back to a regular expression. */
  readonly patterns: { re: RegExp; node: Node<T> }[];
  leaf: Leaf<T> | undefined;
}

const MAX_PARAMS = 64;
const NONE: string[][] = [];

interface State<T> {
  readonly starts: Int32Array;
  readonly ends: Int32Array;
  fallback: Leaf<T> | undefined;
  method: string;
  path: string;
  found: { value: T; names: readonly string[] } | undefined;
  patternValues: string[][];
}

function walk<T>(st: State<T>, node: Node<T>, i: number, end: number, depth: number): boolean {
  const path = st.path;
  if (i >= end) {
    const leaf = node.leaf;
    if (leaf === undefined) return false;
    const hit = leaf.methods.get(st.method);
    if (hit === undefined) {
      st.fallback ??= leaf;
      return false;
    }
    st.found = hit;
    return true;
  }
  let j = path.indexOf('/', i);
  if (j === -1 || j > end) j = end;
  const next = j < end ? j + 1 : end;
  const bucket = node.statics.get(segmentHash(path, i, j));
  if (bucket !== undefined) {
    for (let b = 0; b < bucket.length; b++) {
      const candidate = bucket[b] as Node<T>;
      if (candidate.text.length === j - i && path.startsWith(candidate.text, i) && walk(st, candidate, next, end, depth)) return true;
    }
  }
  if (j === i || depth >= MAX_PARAMS) return false; // an empty segment never fills a parameter
  const affixes = node.affixes;
  for (let k = 0; k < affixes.length; k++) {
    const a = affixes[k] as Affix<T>;
    if (j - i > a.prefix.length + a.suffix.length && path.startsWith(a.prefix, i) && path.startsWith(a.suffix, j - a.suffix.length)) {
      st.starts[depth] = i + a.prefix.length;
      st.ends[depth] = j - a.suffix.length;
      if (walk(st, a.node, next, end, depth + 1)) return true;
    }
  }
  for (const p of node.patterns) {
    const m = p.re.exec(path.slice(i, j));
    if (m !== null) {
      const saved = st.patternValues;
      st.patternValues = [...saved, m.slice(1)];
      st.starts[depth] = -st.patternValues.length;
      if (walk(st, p.node, next, end, depth + 1)) return true;
      st.patternValues = saved;
    }
  }
  if (node.param !== undefined) {
    st.starts[depth] = i;
    st.ends[depth] = j;
    if (walk(st, node.param, next, end, depth + 1)) return true;
  }
  return false;
}

function newNode<T>(text: string): Node<T> {
  return { statics: new Map(), text, affixes: [], param: undefined, patterns: [], leaf: undefined };
}

/**
 * Hashes path[start, end) without making a substring, so matching a static segment does not
 * allocate; a hit is confirmed with startsWith. Kept within 30 bits to stay a small integer.
 */
function segmentHash(s: string, start: number, end: number): number {
  let h = 0;
  for (let i = start; i < end; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) & 0x3fffffff;
  return h;
}

function splitTemplate(template: string): string[] {
  const trimmed = template.replace(/^\/+/, '').replace(/\/+$/, '');
  return trimmed === '' ? [] : trimmed.split('/');
}

/**
 * A segment trie over every operation of every API given. Static segments beat templated ones,
 * a literal-plus-parameter segment beats a bare parameter, and a failed static branch backtracks
 * to the templated one (`/users/me/x` vs `/users/{id}/y`). Matching walks the request path by
 * index and allocates only the params object (and the decoded values).
 */
export function createRouter<T>(entries: readonly RouteEntry<T>[]): Router<T> {
  const root = newNode<T>('');
  for (const entry of entries) {
    const names: string[] = [];
    let node = root;
    for (const segment of [...splitTemplate(entry.basePath), ...splitTemplate(entry.operation.path)]) {
      node = child(node, segment, names);
    }
    node.leaf ??= { methods: new Map(), allowed: [] };
    const method = entry.operation.method.toUpperCase();
    if (!node.leaf.methods.has(method)) {
      node.leaf.methods.set(method, { value: entry.value, names });
      node.leaf.allowed.push(method);
    }
  }
  sortAffixes(root, new Set());

  // Scratch state: match() is synchronous, so one per router is enough and matching allocates nothing.
  const st: State<T> = {
    starts: new Int32Array(MAX_PARAMS), ends: new Int32Array(MAX_PARAMS), fallback: undefined, method: '', path: '',
    found: undefined, patternValues: NONE,
  };

  return {
    match(m: string, p: string) {
      let end = p.indexOf('?');
      if (end === -1) end = p.length;
      let start = 0;
      while (start < end && p.charCodeAt(start) === 47) start++;
      while (end > start && p.charCodeAt(end - 1) === 47) end--; // trailing slash is not significant
      st.method = m;
      st.path = p;
      st.fallback = undefined;
      st.found = undefined;
      st.patternValues = NONE;
      const ok = walk(st, root, start, end, 0);
      const hit = st.found as State<T>['found']; // set by walk(); TS cannot see that
      if (!ok || hit === undefined) {
        const f = st.fallback as Leaf<T> | undefined;
        return f === undefined ? undefined : { methodNotAllowed: true as const, allowed: f.allowed };
      }
      const { starts, ends, patternValues } = st;
      const params: Record<string, string> = {};
      let slot = 0;
      for (let k = 0; slot < hit.names.length; k++) {
        const s = starts[k] ?? 0;
        if (s < 0) {
          for (const v of patternValues[-s - 1] ?? []) {
            const decoded = decode(v);
            if (decoded === undefined) return undefined;
            params[hit.names[slot++] as string] = decoded;
          }
          continue;
        }
        const decoded = decode(p.slice(s, ends[k]));
        if (decoded === undefined) return undefined; // malformed percent-encoding never matches
        params[hit.names[slot++] as string] = decoded;
      }
      return { value: hit.value, params };
    },
  };
}

function decode(raw: string): string | undefined {
  if (!raw.includes('%')) return raw;
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

function child<T>(node: Node<T>, segment: string, names: string[]): Node<T> {
  const params = [...segment.matchAll(/\{([^}]*)\}/g)];
  if (params.length === 0) {
    const h = segmentHash(segment, 0, segment.length);
    const bucket = node.statics.get(h) ?? [];
    node.statics.set(h, bucket);
    let next = bucket.find((n) => n.text === segment);
    if (next === undefined) {
      next = newNode(segment);
      bucket.push(next);
    }
    return next;
  }
  for (const p of params) names.push(p[1] ?? '');
  const first = params[0] as RegExpExecArray;
  if (params.length === 1 && first[0] === segment) {
    node.param ??= newNode('');
    return node.param;
  }
  if (params.length === 1) {
    const prefix = segment.slice(0, first.index);
    const suffix = segment.slice(first.index + first[0].length);
    let a = node.affixes.find((x) => x.prefix === prefix && x.suffix === suffix);
    if (a === undefined) {
      a = { prefix, suffix, node: newNode('') };
      node.affixes.push(a);
    }
    return a.node;
  }
  const source = '^' + segment.split(/\{[^}]*\}/).map((lit) => lit.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('(.+?)') + '$';
  let pat = node.patterns.find((x) => x.re.source === source);
  if (pat === undefined) {
    pat = { re: new RegExp(source), node: newNode('') };
    node.patterns.push(pat);
  }
  return pat.node;
}

/** Longer literal context first: `{id}.json` is tried before `{id}`-like shorter affixes. */
function sortAffixes<T>(node: Node<T>, seen: Set<Node<T>>): void {
  if (seen.has(node)) return;
  seen.add(node);
  node.affixes.sort((a, b) => b.prefix.length + b.suffix.length - (a.prefix.length + a.suffix.length));
  for (const bucket of node.statics.values()) for (const n of bucket) sortAffixes(n, seen);
  for (const a of node.affixes) sortAffixes(a.node, seen);
  for (const p of node.patterns) sortAffixes(p.node, seen);
  if (node.param !== undefined) sortAffixes(node.param, seen);
}
