/**
 * The `gatehouse deps` policy: which findings count, which are suppressed, and whether the gate
 * fails. Development-only packages are reported apart and do not fail the gate unless asked
 * (`--include-dev`): they never ship, and their noise is what makes teams switch such gates off.
 * An allow-list entry needs a reason and an expiry date; once expired it suppresses nothing and
 * is reported, so an accepted risk is reviewed instead of forgotten.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { SEVERITIES, severityRank, type Severity } from './cvss.js';
import { SupplyError } from './errors.js';
import type { LockGraph } from './lockfile.js';
import { matchPackage, type OsvMatch } from './match.js';
import type { OsvDatabase } from './osv.js';
import { collectComponents } from './sbom.js';

export interface IgnoreEntry {
  readonly id: string;
  readonly reason: string;
  /** The last day (UTC) the entry suppresses, or an exact instant when a time is given. */
  readonly expires: Date;
  readonly expiresText: string;
  /** Limit the entry to one package name. */
  readonly package?: string;
}

export interface Finding extends OsvMatch {
  readonly package: string;
  readonly version: string;
  readonly paths: readonly string[];
  readonly devOnly: boolean;
  /** Set when an unexpired allow-list entry covers it. */
  readonly ignoredBy?: IgnoreEntry;
}

export interface DepsReport {
  readonly lockfile: string;
  readonly db: { readonly source: string; readonly records: number; readonly withdrawn: number; readonly warnings: readonly string[] };
  readonly packagesScanned: number;
  /** Findings in what ships (not suppressed). */
  readonly findings: readonly Finding[];
  /** Findings in development-only packages (not suppressed). */
  readonly devFindings: readonly Finding[];
  readonly suppressed: readonly Finding[];
  /** Allow-list entries past their date that matched a finding: they no longer suppress it. */
  readonly expiredIgnores: readonly IgnoreEntry[];
}

export interface ScanOptions {
  readonly ignores?: readonly IgnoreEntry[];
  readonly now?: Date;
}

const DAY = 86_400_000;

export function isExpired(entry: IgnoreEntry, now: Date): boolean {
  return now.getTime() >= entry.expires.getTime();
}

export function scanProject(graph: LockGraph, db: OsvDatabase, options: ScanOptions = {}): DepsReport {
  const now = options.now ?? new Date();
  const ignores = options.ignores ?? [];
  const { components } = collectComponents(graph);
  const findings: Finding[] = [];
  const devFindings: Finding[] = [];
  const suppressed: Finding[] = [];
  const expired = new Set<IgnoreEntry>();
  for (const c of components) {
    for (const m of matchPackage(db, c.name, c.version)) {
      const ids = new Set([m.id, ...m.aliases]);
      const covering = ignores.filter((e) => ids.has(e.id) && (e.package === undefined || e.package === c.name));
      const active = covering.find((e) => !isExpired(e, now));
      for (const e of covering) if (isExpired(e, now)) expired.add(e);
      const f: Finding = { ...m, package: c.name, version: c.version, paths: c.paths, devOnly: c.devOnly, ...(active === undefined ? {} : { ignoredBy: active }) };
      if (active !== undefined) suppressed.push(f);
      else if (c.devOnly) devFindings.push(f);
      else findings.push(f);
    }
  }
  const order = (a: Finding, b: Finding): number => rankOf(b.severity) - rankOf(a.severity) || a.package.localeCompare(b.package) || a.id.localeCompare(b.id);
  return {
    lockfile: graph.file,
    db: { source: db.source, records: db.recordCount, withdrawn: db.withdrawnCount, warnings: db.warnings },
    packagesScanned: components.length,
    findings: findings.sort(order),
    devFindings: devFindings.sort(order),
    suppressed: suppressed.sort(order),
    expiredIgnores: [...expired],
  };
}

/**
 * A finding without any severity gates as `high`: an unrated advisory may be anything, and a
 * gate that lets the unknown through fails open.
 */
export function rankOf(s: Severity | undefined): number {
  return s === undefined ? severityRank('high') : severityRank(s);
}

export function gateFails(report: DepsReport, failOn: Severity, includeDev: boolean): boolean {
  const counted = includeDev ? [...report.findings, ...report.devFindings] : report.findings;
  return counted.some((f) => rankOf(f.severity) >= severityRank(failOn));
}

export function parseFailOn(s: string): Severity | undefined {
  return (SEVERITIES as readonly string[]).includes(s) ? (s as Severity) : undefined;
}

/** Reads the allow-list: `ignore: [{ id, reason, expires, package? }]` (or the list alone). */
export function loadIgnoreFile(file: string): IgnoreEntry[] {
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new SupplyError('GH_SUPPLY_IGNORE_FILE_INVALID', `${file}: ${(err as Error).message}`);
  }
  const list = Array.isArray(doc) ? doc : (doc as { ignore?: unknown } | null)?.ignore;
  if (!Array.isArray(list)) throw new SupplyError('GH_SUPPLY_IGNORE_FILE_INVALID', `${file}: expected "ignore:" with a list of { id, reason, expires }`);
  const problems: string[] = [];
  const out: IgnoreEntry[] = [];
  list.forEach((raw: unknown, i) => {
    const at = `ignore[${i}]`;
    const e = (typeof raw === 'object' && raw !== null ? raw : {}) as Record<string, unknown>;
    if (typeof e.id !== 'string' || e.id.trim() === '') problems.push(`${at}.id: required (an OSV id or alias, e.g. GHSA-xxxx-xxxx-xxxx or CVE-2024-1234)`);
    if (typeof e.reason !== 'string' || e.reason.trim() === '') problems.push(`${at}.reason: required (why this risk is accepted)`);
    if (e.package !== undefined && typeof e.package !== 'string') problems.push(`${at}.package: must be a package name`);
    const expires = parseExpiry(e.expires);
    if (expires === undefined) problems.push(`${at}.expires: required, a date such as 2025-12-31 (entries without an end are how accepted risks get forgotten)`);
    if (problems.length === 0 && expires !== undefined) {
      out.push({
        id: (e.id as string).trim(),
        reason: (e.reason as string).trim(),
        expires: expires.at,
        expiresText: expires.text,
        ...(typeof e.package === 'string' ? { package: e.package } : {}),
      });
    }
  });
  if (problems.length > 0) throw new SupplyError('GH_SUPPLY_IGNORE_FILE_INVALID', `${file}: ${problems.length} problem(s)\n  ${problems.join('\n  ')}`);
  return out;
}

function parseExpiry(v: unknown): { at: Date; text: string } | undefined {
  if (v instanceof Date && !Number.isNaN(v.getTime())) return { at: new Date(v.getTime() + DAY), text: v.toISOString().slice(0, 10) };
  if (typeof v !== 'string') return undefined;
  const text = v.trim();
  if (/^\d{4}-\d{2}-\d{2}$/.test(text)) {
    const d = new Date(`${text}T00:00:00Z`);
    // A date-only expiry covers that whole day (UTC).
    return Number.isNaN(d.getTime()) || d.toISOString().slice(0, 10) !== text ? undefined : { at: new Date(d.getTime() + DAY), text };
  }
  if (/^\d{4}-\d{2}-\d{2}T/.test(text)) {
    const d = new Date(text);
    return Number.isNaN(d.getTime()) ? undefined : { at: d, text };
  }
  return undefined;
}
