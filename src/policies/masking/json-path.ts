/**
 * A small JSON path subset for masking rules: `$.a.b`, `$.list[*].b`, `$.*`, `$..name` (a
 * property of that name at any depth). Compiled once; applied by walking only the branches the
 * path names, except `..`, which walks the whole value below it.
 */
type Segment = { kind: 'key'; name: string } | { kind: 'any' } | { kind: 'deep'; name: string };

export type CompiledPath = readonly Segment[];

/** Visits (container, key) of every match; the visitor may replace or delete the entry. */
export type MatchVisitor = (container: Record<string, unknown> | unknown[], key: string | number) => void;

const MAX_DEPTH = 64;

export function compilePath(path: string): CompiledPath {
  const segments: Segment[] = [];
  let i = 1; // after '$'
  while (i < path.length) {
    if (path.startsWith('[*]', i)) { segments.push({ kind: 'any' }); i += 3; continue; }
    if (path.startsWith('..', i)) {
      const end = nextBoundary(path, i + 2);
      segments.push({ kind: 'deep', name: path.slice(i + 2, end) });
      i = end;
      continue;
    }
    if (path[i] === '.') {
      const end = nextBoundary(path, i + 1);
      const name = path.slice(i + 1, end);
      segments.push(name === '*' ? { kind: 'any' } : { kind: 'key', name });
      i = end;
      continue;
    }
    throw new Error(`unsupported path syntax at offset ${i} of ${path}`);
  }
  return segments;
}

function nextBoundary(path: string, from: number): number {
  let i = from;
  while (i < path.length && path[i] !== '.' && path[i] !== '[') i++;
  return i;
}

export function visitPath(root: unknown, path: CompiledPath, visit: MatchVisitor): void {
  walk(root, path, 0, visit, 0);
}

function walk(node: unknown, path: CompiledPath, index: number, visit: MatchVisitor, depth: number): void {
  if (node === null || typeof node !== 'object' || depth > MAX_DEPTH) return;
  const segment = path[index];
  if (segment === undefined) return;
  const last = index === path.length - 1;
  const step = (container: Record<string, unknown> | unknown[], key: string | number, child: unknown): void => {
    if (last) visit(container, key);
    else walk(child, path, index + 1, visit, depth + 1);
  };
  if (segment.kind === 'key') {
    if (Array.isArray(node) || !Object.hasOwn(node, segment.name)) return;
    step(node as Record<string, unknown>, segment.name, (node as Record<string, unknown>)[segment.name]);
    return;
  }
  if (Array.isArray(node)) {
    for (let i = 0; i < node.length; i++) {
      if (segment.kind === 'any') step(node, i, node[i]);
      else walk(node[i], path, index, visit, depth + 1);
    }
    return;
  }
  const record = node as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const child = record[key];
    if (segment.kind === 'any') { step(record, key, child); continue; }
    if (key === segment.name) step(record, key, child);
    // `..name` keeps looking below, also under a match.
    walk(child, path, index, visit, depth + 1);
  }
}
