/**
 * Audit benchmark: GitHub's REST API description (13 MB, ~1000 operations) must be loaded and
 * audited in under 5 s. Run: `npm run build && node dist/bench/audit-bench.js [spec]`.
 * Exits 1 when over budget so CI can gate on it.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { auditFile } from '../src/audit/engine.js';

const BUDGET_MS = 5000;

export async function runAuditBench(spec?: string): Promise<{ file: string; ms: number; operations: number; findings: number; score: number }> {
  const here = path.dirname(fileURLToPath(import.meta.url));
  // From bench/ (tsx) or dist/bench/ (compiled): the repository root is the first ancestor beside shared/.
  const root = here.includes(`${path.sep}dist${path.sep}`) ? path.resolve(here, '../..') : path.resolve(here, '..');
  const file = spec ?? path.resolve(root, '../shared/corpora/specs/openapi-3.0/github__api.github.com.json');
  const t = performance.now();
  const r = await auditFile(file);
  const ms = performance.now() - t;
  if (r.findings.some((f) => f.ruleId === 'GH-SPEC-001')) throw new Error(`cannot read ${file}: ${r.findings[0]?.message ?? ''}`);
  return { file, ms, operations: r.operations, findings: r.findings.length, score: r.score };
}

if (process.argv[1] !== undefined && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const r = await runAuditBench(process.argv[2]);
  console.log(`audit ${path.basename(r.file)}: ${r.operations} operations, ${r.findings} findings, score ${r.score}, ${r.ms.toFixed(0)} ms (budget ${BUDGET_MS} ms)`);
  if (r.ms > BUDGET_MS) process.exitCode = 1;
}
