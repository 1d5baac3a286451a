/**
 * Reads an npm lock file (lockfileVersion 2 or 3: the `packages` map keyed by install path) into
 * a graph of installed packages. Dependency edges are resolved the way Node resolves `require`:
 * from the depending package's folder outwards through each enclosing `node_modules`, so nested
 * copies of the same name at different versions are told apart.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SupplyError } from './errors.js';

export interface LockPackage {
  /** The key in the lock's `packages` map, e.g. `node_modules/a/node_modules/@s/b`. */
  readonly path: string;
  readonly name: string;
  readonly version: string;
  /** Only reachable through devDependencies: does not ship. */
  readonly dev: boolean;
  readonly optional: boolean;
  /** Dev of the root and optional of something that ships: it may ship. */
  readonly devOptional: boolean;
  readonly peer: boolean;
  readonly integrity: string | undefined;
  readonly resolved: string | undefined;
  readonly license: string | undefined;
  /** A workspace or `file:` folder linked into node_modules (not from a registry). */
  readonly local: boolean;
  /** Paths of the packages this one depends on (resolved, links followed). */
  readonly dependsOn: readonly string[];
}

export interface LockGraph {
  readonly dir: string;
  readonly file: string;
  readonly lockfileVersion: number;
  readonly root: { readonly name: string; readonly version: string; readonly license: string | undefined; readonly dependsOn: readonly string[] };
  /** Every installed package, link entries resolved to their targets; sorted by path. */
  readonly packages: readonly LockPackage[];
}

interface RawEntry {
  name?: unknown; version?: unknown; dev?: unknown; optional?: unknown; devOptional?: unknown; peer?: unknown;
  integrity?: unknown; resolved?: unknown; license?: unknown; link?: unknown;
  dependencies?: unknown; optionalDependencies?: unknown; devDependencies?: unknown; peerDependencies?: unknown;
  peerDependenciesMeta?: unknown;
}

/** The lock files npm writes, in the order npm itself prefers them. */
const LOCK_NAMES = ['npm-shrinkwrap.json', 'package-lock.json', join('node_modules', '.package-lock.json')];

export function findLockfile(dir: string): string {
  for (const name of LOCK_NAMES) {
    const file = join(dir, name);
    if (existsSync(file)) return file;
  }
  throw new SupplyError('GH_SUPPLY_NO_LOCKFILE', `${dir}: no package-lock.json, npm-shrinkwrap.json or node_modules/.package-lock.json (run npm install first)`);
}

export function readLockGraph(dirOrFile: string): LockGraph {
  const abs = resolve(dirOrFile);
  const file = abs.endsWith('.json') ? abs : findLockfile(abs);
  const dir = abs.endsWith('.json') ? resolve(abs, '..') : abs;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new SupplyError('GH_SUPPLY_LOCKFILE_INVALID', `${file}: cannot read (${(err as Error).message})`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw new SupplyError('GH_SUPPLY_LOCKFILE_INVALID', `${file}: not valid JSON (${(err as Error).message})`);
  }
  return parseLock(json, file, dir);
}

export function parseLock(json: unknown, file: string, dir: string): LockGraph {
  if (!isObject(json)) throw new SupplyError('GH_SUPPLY_LOCKFILE_INVALID', `${file}: expected a JSON object`);
  const version = json.lockfileVersion;
  if (version !== 2 && version !== 3) {
    throw new SupplyError('GH_SUPPLY_LOCKFILE_INVALID', `${file}: lockfileVersion ${String(version)} is not supported (need 2 or 3: run npm install with npm 7 or later)`);
  }
  const raw = json.packages;
  if (!isObject(raw)) throw new SupplyError('GH_SUPPLY_LOCKFILE_INVALID', `${file}: "packages" is missing`);
  const entries = new Map<string, RawEntry>();
  for (const [key, value] of Object.entries(raw)) {
    if (!isObject(value)) throw new SupplyError('GH_SUPPLY_LOCKFILE_INVALID', `${file}: packages["${key}"] is not an object`);
    entries.set(key, value as RawEntry);
  }
  const rootEntry = entries.get('') ?? {};
  const target = (key: string): string => {
    // A link entry stands for its target folder, which has its own entry keyed by its path.
    const e = entries.get(key);
    return e?.link === true && typeof e.resolved === 'string' && entries.has(e.resolved) ? e.resolved : key;
  };
  const edgesOf = (key: string, e: RawEntry, includeDev: boolean): string[] => {
    const names = new Set<string>([...keysOf(e.dependencies), ...keysOf(e.optionalDependencies), ...keysOf(e.peerDependencies)]);
    if (includeDev) for (const n of keysOf(e.devDependencies)) names.add(n);
    const out: string[] = [];
    for (const n of names) {
      const found = resolveFrom(key, n, entries);
      if (found !== undefined) out.push(target(found));
    }
    return [...new Set(out)].sort();
  };

  const packages: LockPackage[] = [];
  for (const [key, e] of entries) {
    if (key === '' || e.link === true) continue;
    const name = typeof e.name === 'string' ? e.name : nameFromPath(key);
    if (name === undefined) continue; // a workspace folder that is not installed under node_modules
    packages.push({
      path: key,
      name,
      version: typeof e.version === 'string' ? e.version : '0.0.0',
      dev: e.dev === true,
      optional: e.optional === true,
      devOptional: e.devOptional === true,
      peer: e.peer === true,
      integrity: str(e.integrity),
      resolved: str(e.resolved),
      license: licenseOf(e.license) ?? readInstalledLicense(dir, key),
      local: !key.includes('node_modules/') || (typeof e.resolved === 'string' && !/^[a-z+]+:/.test(e.resolved)),
      // Workspace members are roots of their own: their devDependencies are installed too.
      dependsOn: edgesOf(key, e, !key.includes('node_modules/')),
    });
  }
  packages.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    dir,
    file,
    lockfileVersion: version,
    root: {
      name: str(rootEntry.name) ?? str(json.name) ?? 'root',
      version: str(rootEntry.version) ?? str(json.version) ?? '0.0.0',
      license: licenseOf(rootEntry.license),
      dependsOn: edgesOf('', rootEntry, true),
    },
    packages,
  };
}

/** `node_modules/a/node_modules/@s/b` -> `@s/b`; a path outside node_modules has no name. */
export function nameFromPath(path: string): string | undefined {
  const at = path.lastIndexOf('node_modules/');
  if (at < 0) return undefined;
  const rest = path.slice(at + 'node_modules/'.length);
  return rest.length === 0 ? undefined : rest;
}

/** Node's lookup: `<from>/node_modules/<name>`, then each enclosing node_modules, then the root's. */
function resolveFrom(from: string, name: string, entries: ReadonlyMap<string, RawEntry>): string | undefined {
  let base = from;
  for (;;) {
    const candidate = base === '' ? `node_modules/${name}` : `${base}/node_modules/${name}`;
    if (entries.has(candidate)) return candidate;
    if (base === '') return undefined;
    const at = base.lastIndexOf('/node_modules/');
    // `node_modules/a` and a workspace folder (`packages/ws`) both fall back to the root.
    base = at < 0 ? '' : base.slice(0, at);
  }
}

function readInstalledLicense(dir: string, key: string): string | undefined {
  try {
    const pkg = JSON.parse(readFileSync(join(dir, key, 'package.json'), 'utf8')) as { license?: unknown; licenses?: unknown };
    return licenseOf(pkg.license) ?? licenseOf(pkg.licenses);
  } catch {
    return undefined; // not installed: the lock alone is the record
  }
}

/** `"MIT"`, the old `{ type: "MIT" }` and `[{ type }]` forms. */
function licenseOf(v: unknown): string | undefined {
  if (typeof v === 'string' && v.trim() !== '') return v.trim();
  if (isObject(v) && typeof v.type === 'string') return v.type;
  if (Array.isArray(v)) {
    const types = v.map(licenseOf).filter((x): x is string => x !== undefined);
    return types.length === 0 ? undefined : types.length === 1 ? types[0] : `(${types.join(' OR ')})`;
  }
  return undefined;
}

function keysOf(v: unknown): string[] {
  return isObject(v) ? Object.keys(v) : [];
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
