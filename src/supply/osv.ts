/**
 * Loads an OSV-format vulnerability database from disk: a folder of OSV JSON records (searched
 * recursively) or a .zip of them, as published per ecosystem (`npm/all.zip`). Only records that
 * affect npm packages are kept, indexed by package name. Withdrawn records are counted and
 * skipped (OSV schema: `withdrawn` means the entry is no longer valid).
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { SupplyError } from './errors.js';
import { ZipFormatError, listZipEntries } from './zip.js';

export interface OsvEvent {
  readonly introduced?: string;
  readonly fixed?: string;
  readonly last_affected?: string;
  readonly limit?: string;
}

export interface OsvAffected {
  readonly package: { readonly ecosystem: string; readonly name: string; readonly purl?: string };
  readonly ranges?: readonly { readonly type: string; readonly events: readonly OsvEvent[] }[];
  readonly versions?: readonly string[];
  readonly severity?: readonly { readonly type: string; readonly score: string }[];
  readonly database_specific?: Readonly<Record<string, unknown>>;
  readonly ecosystem_specific?: Readonly<Record<string, unknown>>;
}

export interface OsvRecord {
  readonly id: string;
  readonly aliases?: readonly string[];
  readonly summary?: string;
  readonly details?: string;
  readonly modified?: string;
  readonly published?: string;
  readonly withdrawn?: string;
  readonly severity?: readonly { readonly type: string; readonly score: string }[];
  readonly affected?: readonly OsvAffected[];
  readonly references?: readonly { readonly type: string; readonly url: string }[];
  readonly database_specific?: Readonly<Record<string, unknown>>;
}

export interface OsvDatabase {
  readonly source: string;
  /** npm package name -> records that name it in `affected`. */
  readonly byPackage: ReadonlyMap<string, readonly OsvRecord[]>;
  readonly recordCount: number;
  readonly withdrawnCount: number;
  /** Files that could not be read as OSV records, each with where and why. */
  readonly warnings: readonly string[];
}

export function loadOsvDatabase(path: string): OsvDatabase {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch {
    throw new SupplyError('GH_SUPPLY_DB_INVALID', `${path}: vulnerability database not found (give --db a folder or .zip of OSV records; refresh it with --update-db)`);
  }
  const index = new Map<string, OsvRecord[]>();
  const warnings: string[] = [];
  let recordCount = 0;
  let withdrawnCount = 0;
  const add = (where: string, text: string): void => {
    let rec: unknown;
    try {
      rec = JSON.parse(text);
    } catch (err) {
      warnings.push(`${where}: not valid JSON (${(err as Error).message})`);
      return;
    }
    const problem = checkRecord(rec);
    if (problem !== undefined) {
      warnings.push(`${where}: ${problem}`);
      return;
    }
    const record = rec as OsvRecord;
    recordCount++;
    if (record.withdrawn !== undefined) {
      withdrawnCount++;
      return;
    }
    const names = new Set((record.affected ?? []).filter((a) => a.package.ecosystem === 'npm').map((a) => a.package.name));
    for (const name of names) {
      const list = index.get(name);
      if (list === undefined) index.set(name, [record]);
      else list.push(record);
    }
  };
  if (isDir) {
    for (const file of walkJson(path)) add(file, readFileSync(file, 'utf8'));
  } else {
    let buf: Buffer;
    try {
      buf = readFileSync(path);
    } catch (err) {
      throw new SupplyError('GH_SUPPLY_DB_INVALID', `${path}: cannot read (${(err as Error).message})`);
    }
    try {
      for (const entry of listZipEntries(buf)) {
        if (entry.name.endsWith('.json')) add(`${path}!${entry.name}`, entry.read().toString('utf8'));
      }
    } catch (err) {
      if (err instanceof ZipFormatError) throw new SupplyError('GH_SUPPLY_DB_INVALID', `${path}: ${err.message}`);
      throw err;
    }
  }
  if (recordCount === 0) throw new SupplyError('GH_SUPPLY_DB_INVALID', `${path}: no OSV records found${warnings.length > 0 ? ` (${warnings[0]})` : ''}`);
  return { source: path, byPackage: index, recordCount, withdrawnCount, warnings };
}

function* walkJson(dir: string): Generator<string> {
  for (const ent of readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const full = join(dir, ent.name);
    if (ent.isDirectory()) yield* walkJson(full);
    else if (ent.isFile() && ent.name.endsWith('.json')) yield full;
  }
}

/** The shape the matcher relies on; anything else is reported rather than half-read. */
function checkRecord(r: unknown): string | undefined {
  if (typeof r !== 'object' || r === null || Array.isArray(r)) return 'not an OSV record (expected an object)';
  const rec = r as Record<string, unknown>;
  if (typeof rec.id !== 'string' || rec.id === '') return 'OSV record without an "id"';
  if (rec.affected !== undefined && !Array.isArray(rec.affected)) return `${rec.id}: "affected" must be an array`;
  for (const [i, a] of ((rec.affected ?? []) as unknown[]).entries()) {
    const pkg = (a as { package?: { ecosystem?: unknown; name?: unknown } } | null)?.package;
    if (typeof pkg?.ecosystem !== 'string' || typeof pkg.name !== 'string') return `${rec.id}: affected[${i}].package needs "ecosystem" and "name"`;
    const ranges = (a as { ranges?: unknown }).ranges;
    if (ranges !== undefined && (!Array.isArray(ranges) || ranges.some((x) => !Array.isArray((x as { events?: unknown } | null)?.events)))) {
      return `${rec.id}: affected[${i}].ranges must be an array of { type, events: [...] }`;
    }
  }
  return undefined;
}
