import type { InventoryReport } from './report.js';

export type InventoryFormat = 'text' | 'json' | 'csv';

export function formatInventory(report: InventoryReport, format: InventoryFormat): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'csv') return csv(report);
  return text(report);
}

/** One CSV row per surface (declared operation or shadow path), the columns a spreadsheet review needs. */
function csv(r: InventoryReport): string {
  const header = ['kind', 'api', 'method', 'path', 'operation', 'owner', 'status', 'count', 'first_seen', 'last_seen', 'sensitive_fields', 'drift_fields'];
  const lines = [header.join(',')];
  const zombie = new Map(r.zombie.filter((z) => z.declared).map((z) => [`${z.api} ${z.operation ?? ''}`, z.reason]));
  for (const op of r.operations) {
    const key = `${op.api} ${op.operation}`;
    const status = zombie.has(key) ? `zombie:${zombie.get(key) ?? ''}` : op.count === 0 ? 'unused' : 'active';
    const sensitive = r.sensitive.filter((s) => s.api === op.api && s.operation === op.operation).map((s) => `${s.location}.${s.field}=${s.category}`);
    const drift = r.drift.filter((d) => d.api === op.api && d.operation === op.operation).map((d) => `${d.location}.${d.field}`);
    lines.push(row(['declared', op.api, op.method, op.path, op.operation, op.owner ?? '', status, String(op.count), op.firstSeen ?? '', op.lastSeen ?? '', sensitive.join(' '), drift.join(' ')]));
  }
  // Older versions no spec declares any more: undeclared surfaces, like shadow ones, but zombie.
  for (const z of r.zombie) {
    if (z.declared) continue;
    const sensitive = r.sensitive.filter((x) => x.api === z.api && x.operation === undefined && x.path === z.path && x.method === z.method).map((x) => `${x.location}.${x.field}=${x.category}`);
    lines.push(row(['shadow', z.api, z.method, z.path, '', z.owner ?? '', `zombie:${z.reason}`, String(z.count), z.firstSeen ?? '', z.lastSeen ?? '', sensitive.join(' '), '']));
  }
  for (const s of r.shadow) {
    const sensitive = r.sensitive.filter((x) => x.api === s.api && x.operation === undefined && x.path === s.path && x.method === s.method).map((x) => `${x.location}.${x.field}=${x.category}`);
    lines.push(row(['shadow', s.api, s.method, s.path, '', '', 'shadow', String(s.count), s.firstSeen, s.lastSeen, sensitive.join(' '), '']));
  }
  return `${lines.join('\n')}\n`;
}

function row(cells: string[]): string {
  // RFC 4180 quoting; a leading = + - @ is prefixed so a spreadsheet does not run it as a formula.
  return cells.map((c) => {
    const safe = /^[=+\-@]/.test(c) ? `'${c}` : c;
    return /[",\n\r]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
  }).join(',');
}

function text(r: InventoryReport): string {
  const out: string[] = [];
  const observed = r.operations.filter((o) => o.count > 0).length;
  out.push(`Inventory (${r.generatedAt})`);
  out.push(`  ${r.operations.length} declared operations in ${r.apis.length} API(s), ${observed} observed; ${r.shadow.length} shadow, ${r.zombie.length} zombie, ${r.unused.length} unused; ${r.drift.length} drift fields; ${r.sensitive.length} sensitive fields; ${r.unowned.length} without owner`);
  // A third party's operations (egress) are told apart from the ones we serve.
  const egress = new Set(r.apis.filter((a) => a.direction === 'egress').map((a) => a.name));
  section(out, 'Operations', r.operations.map((o) => `${pad(o.method, 7)}${pad(`${o.api} ${o.path}`, 44)}${pad(String(o.count), 8)}${pad(o.owner ?? '(no owner)', 18)}${[egress.has(o.api) ? 'egress' : '', o.deprecated ? 'deprecated' : ''].filter((w) => w !== '').join(' ')}`));
  section(out, 'Shadow APIs (observed, in no spec)', r.shadow.map((s) => `${pad(s.method, 7)}${pad(`${s.api} ${s.path}`, 44)}${pad(String(s.count), 8)}last ${s.lastSeen}  callers ${s.callers.slice(0, 3).join(', ')}${s.callers.length > 3 ? ', ...' : ''}${s.source === 'gateway' ? '' : `  (${s.source})`}`));
  section(out, 'Zombie APIs (deprecated or superseded, still called)', r.zombie.map((z) => `${pad(z.method, 7)}${pad(`${z.api} ${z.path}`, 44)}${pad(String(z.count), 8)}${z.reason}${z.declared ? '' : ' (in no spec)'}`));
  section(out, 'Unused (declared, never called)', r.unused.map((u) => `${pad(u.method, 7)}${u.api} ${u.path}`));
  section(out, 'Drift (seen in traffic, not in the spec)', r.drift.map((d) => `${pad(d.operation, 24)}${d.location}${d.status === undefined ? '' : ` ${d.status}`} ${d.field} (${d.type})`));
  section(out, 'Sensitive data (by field, never by value)', r.sensitive.map((s) => `${pad(s.operation ?? `${s.method} ${s.path}`, 36)}${pad(`${s.location}.${s.field}`, 32)}${s.category}`));
  section(out, 'Without owner', r.unowned.map((o) => `${pad(o.method, 7)}${o.api} ${o.path}`));
  return `${out.join('\n')}\n`;
}

function section(out: string[], title: string, lines: string[]): void {
  if (lines.length === 0) return;
  out.push('', title);
  for (const l of lines) out.push(`  ${l}`);
}

function pad(s: string, n: number): string {
  return s.length >= n ? `${s} ` : s + ' '.repeat(n - s.length);
}
