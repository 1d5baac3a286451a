/**
 * Loads and compiles GitHub's REST API description (13 MB, ~1,200 operations) into a router and
 * validators for every operation, and measures routing. Target: load + compile <= 3 s.
 *   npm run build && node dist/bench/openapi-compile.js [spec.json]
 */
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { createRouter, createSchemaCompiler, loadSpec, type Operation, type OperationValidators } from '../src/openapi/index.js';
import { getInternals } from '../src/openapi/internals.js';

const DEFAULT_SPEC = '/work/shared/corpora/specs/openapi-3.0/github__api.github.com.json';

export interface CompileBenchResult {
  readonly operations: number;
  readonly parseMs: number;
  readonly derefMs: number;
  readonly loadMs: number;
  readonly compileMs: number;
  readonly totalMs: number;
  /** Load + compile with response validators compiled on first use. */
  readonly lazyResponsesMs: number;
  readonly matchNsPerOp: number;
}

const OPTIONS = { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true } as const;

export async function main(file: string = process.argv[2] ?? DEFAULT_SPEC): Promise<CompileBenchResult> {
  // Lazy responses first (its garbage is collected before the eager run is timed).
  const l0 = performance.now();
  const lazySpec = await loadSpec(file);
  const lazyCompiler = createSchemaCompiler(lazySpec, OPTIONS, { lazyResponses: true });
  for (const operation of lazySpec.operations) lazyCompiler.compileOperation(operation);
  const lazyMs = performance.now() - l0;

  const t0 = performance.now();
  const spec = await loadSpec(file);
  const t1 = performance.now();
  const compiler = createSchemaCompiler(spec, OPTIONS);
  const entries: { basePath: string; operation: Operation; value: OperationValidators }[] = [];
  for (const operation of spec.operations) {
    const value = compiler.compileOperation(operation);
    for (const basePath of spec.basePaths) entries.push({ basePath, operation, value });
  }
  const router = createRouter(entries);
  const t2 = performance.now();

  // Concrete request paths: every template with its parameters filled in.
  const requests = spec.operations.map((op) => ({
    method: op.method,
    path: (spec.basePaths[0] ?? '') + op.path.replace(/\{[^}]*\}/g, 'x1'),
  }));
  let misses = 0;
  for (let r = 0; r < 20; r++) for (const q of requests) router.match(q.method, q.path); // JIT warm-up
  const rounds = 200;
  const m0 = process.hrtime.bigint();
  for (let r = 0; r < rounds; r++) {
    for (const q of requests) if (router.match(q.method, q.path) === undefined) misses++;
  }
  const matchNs = Number(process.hrtime.bigint() - m0) / (rounds * requests.length);

  const { parseMs, derefMs } = getInternals(spec).timings;
  const result: CompileBenchResult = {
    operations: spec.operations.length,
    parseMs,
    derefMs,
    loadMs: t1 - t0,
    compileMs: t2 - t1,
    totalMs: t2 - t0,
    lazyResponsesMs: lazyMs,
    matchNsPerOp: matchNs,
  };
  console.log(`spec            ${path.basename(file)} (${spec.operations.length} operations, ${compiler.stats.schemas} shared schemas)`);
  console.log(`parse           ${parseMs.toFixed(0)} ms`);
  console.log(`dereference     ${derefMs.toFixed(0)} ms`);
  console.log(`load (total)    ${result.loadMs.toFixed(0)} ms`);
  console.log(`compile+router  ${result.compileMs.toFixed(0)} ms`);
  console.log(`TOTAL           ${result.totalMs.toFixed(0)} ms (target <= 3000 ms)`);
  console.log(`  with lazyResponses: ${lazyMs.toFixed(0)} ms (requests compiled eagerly, responses on first use)`);
  console.log(`router match    ${matchNs.toFixed(0)} ns/op over ${requests.length} paths${misses > 0 ? ` (${misses / rounds} unmatched)` : ''}`);
  return result;
}

if (process.argv[1] !== undefined && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : err);
    process.exitCode = 1;
  });
}
