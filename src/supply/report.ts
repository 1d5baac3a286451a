/** Output of `gatehouse deps`: text for people, JSON and SARIF 2.1.0 for machines. */
import { readFileSync } from 'node:fs';
import { relative } from 'node:path';
import type { Severity } from './cvss.js';
import type { DepsReport, Finding } from './policy.js';

const label = (s: Severity | undefined): string => s ?? 'unknown';

export function formatDepsText(r: DepsReport, cwd: string): string {
  const lines: string[] = [];
  const one = (f: Finding): string => {
    const score = f.score === undefined ? '' : ` ${f.score.toFixed(1)}`;
    const fix = f.fixedIn.length > 0 ? `fix: ${f.fixedIn.join(', ')}` : 'no fix known';
    const aka = f.aliases.length > 0 ? ` (${f.aliases.join(', ')})` : '';
    return `  ${label(f.severity).toUpperCase()}${score}  ${f.package}@${f.version}  ${f.id}${aka}\n      ${f.summary}\n      ${fix}; via ${f.paths[0] ?? ''}${f.paths.length > 1 ? ` (+${f.paths.length - 1} more)` : ''}`;
  };
  lines.push(`${rel(cwd, r.lockfile)}: ${r.packagesScanned} packages checked against ${r.db.records} OSV records (${r.db.withdrawn} withdrawn skipped)`);
  lines.push('', r.findings.length === 0 ? 'No known vulnerabilities in shipped packages.' : `Shipped packages: ${r.findings.length} vulnerabilit${r.findings.length === 1 ? 'y' : 'ies'}`);
  for (const f of r.findings) lines.push(one(f));
  if (r.devFindings.length > 0) {
    lines.push('', `Development-only packages (do not ship; gate with --include-dev): ${r.devFindings.length}`);
    for (const f of r.devFindings) lines.push(one(f));
  }
  if (r.suppressed.length > 0) {
    lines.push('', `Suppressed by the allow-list: ${r.suppressed.length}`);
    for (const f of r.suppressed) lines.push(`  ${f.package}@${f.version}  ${f.id}  until ${f.ignoredBy?.expiresText ?? ''}: ${f.ignoredBy?.reason ?? ''}`);
  }
  for (const e of r.expiredIgnores) lines.push('', `Expired allow-list entry no longer suppresses: ${e.id} (expired ${e.expiresText}: ${e.reason})`);
  for (const w of r.db.warnings.slice(0, 10)) lines.push(`warning: ${w}`);
  if (r.db.warnings.length > 10) lines.push(`warning: ... and ${r.db.warnings.length - 10} more unreadable records`);
  return lines.join('\n') + '\n';
}

export function formatDepsJson(r: DepsReport, cwd: string): string {
  const f = (x: Finding): Record<string, unknown> => ({
    id: x.id, aliases: x.aliases, package: x.package, version: x.version, severity: label(x.severity), score: x.score ?? null,
    summary: x.summary, fixedIn: x.fixedIn, devOnly: x.devOnly, paths: x.paths, url: x.url ?? null,
    ...(x.ignoredBy === undefined ? {} : { ignored: { reason: x.ignoredBy.reason, expires: x.ignoredBy.expiresText } }),
  });
  return JSON.stringify({
    lockfile: rel(cwd, r.lockfile),
    database: { source: r.db.source, records: r.db.records, withdrawn: r.db.withdrawn, warnings: r.db.warnings },
    packagesScanned: r.packagesScanned,
    findings: r.findings.map(f),
    devFindings: r.devFindings.map(f),
    suppressed: r.suppressed.map(f),
    expiredIgnores: r.expiredIgnores.map((e) => ({ id: e.id, reason: e.reason, expires: e.expiresText })),
  }, null, 2) + '\n';
}

const LEVEL: Record<string, 'error' | 'warning' | 'note'> = { critical: 'error', high: 'error', unknown: 'error', moderate: 'warning', low: 'note' };

export function formatDepsSarif(r: DepsReport, cwd: string): string {
  const uri = rel(cwd, r.lockfile);
  const lineOf = lockLines(r.lockfile);
  const all = [...r.findings, ...r.devFindings, ...r.suppressed];
  const ruleIds = [...new Set(all.map((f) => f.id))];
  const rules = ruleIds.map((id) => {
    const f = all.find((x) => x.id === id) as Finding;
    return {
      id,
      shortDescription: { text: f.summary || id },
      ...(f.url === undefined ? {} : { helpUri: f.url }),
      properties: { aliases: f.aliases, severity: label(f.severity), ...(f.score === undefined ? {} : { 'security-severity': f.score.toFixed(1) }) },
    };
  });
  const results = all.map((f) => {
    const line = lineOf.get(f.paths[0] ?? '');
    return {
      ruleId: f.id,
      ruleIndex: ruleIds.indexOf(f.id),
      level: f.devOnly && f.ignoredBy === undefined ? 'note' : LEVEL[label(f.severity)],
      message: { text: `${f.package}@${f.version} is affected by ${f.id}${f.fixedIn.length > 0 ? ` (fixed in ${f.fixedIn.join(', ')})` : ''}${f.devOnly ? ' [development only]' : ''}` },
      locations: [{ physicalLocation: { artifactLocation: { uri }, ...(line === undefined ? {} : { region: { startLine: line } }) } }],
      ...(f.ignoredBy === undefined ? {} : { suppressions: [{ kind: 'external', justification: f.ignoredBy.reason }] }),
    };
  });
  return JSON.stringify({
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [{ tool: { driver: { name: 'gatehouse-deps', informationUri: 'https://gatehouse.dev/docs/supply-chain', rules } }, results }],
  }, null, 2) + '\n';
}

/** Line of each `"node_modules/…": {` key in the lock file, for SARIF regions. */
function lockLines(file: string): Map<string, number> {
  const out = new Map<string, number>();
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return out;
  }
  text.split('\n').forEach((line, i) => {
    const m = /^\s{4}"([^"]+)": \{/.exec(line);
    if (m !== null && !out.has(m[1] as string)) out.set(m[1] as string, i + 1);
  });
  return out;
}

function rel(cwd: string, file: string): string {
  const r = relative(cwd, file);
  return r.startsWith('..') ? file : r.split('\\').join('/');
}
