/**
 * Runs a scan: load the spec, select operations and checks, prove the credentials, run the checks
 * within the budgets, and return the report. `planScan` is the dry run: same selection, no request.
 */
import type { LoadedSpec, Operation, OperationValidators } from '../openapi/index.js';
import { createSchemaCompiler, loadSpec } from '../openapi/index.js';
import { checkUniqueNames } from './auth.js';
import { CHECK_RUNNERS, PASSIVE } from './checks/index.js';
import type { ScanContext, ScanTuning } from './context.js';
import { ScanError } from './errors.js';
import { Coverage, FindingSink } from './findings.js';
import { BudgetExhausted, HttpClient } from './http.js';
import { proveCredentials } from './preflight.js';
import { findResources, ObjectStore } from './resources.js';
import { CHECKS, type CheckId, type Identity, type ScanReport } from './types.js';

export interface ScanOptions {
  readonly spec: string;
  readonly target: string;
  readonly identities?: readonly Identity[];
  readonly checks?: readonly CheckId[];
  readonly seed?: number;
  readonly maxRequests?: number;
  /** Requests per second, 0 for unlimited. */
  readonly rate?: number;
  readonly timeoutMs?: number;
  readonly maxTimeMs?: number;
  /** Allow-list of operation ids / operationIds / `METHOD /path`. */
  readonly operations?: readonly string[];
  /** Leave out DELETE operations and destructive steps. */
  readonly skipDestructive?: boolean;
  readonly tuning?: Partial<ScanTuning>;
  readonly onProgress?: (p: { sent: number; max: number; phase: string }) => void;
}

export interface ScanPlan {
  readonly spec: LoadedSpec;
  readonly target: URL;
  readonly basePath: string;
  readonly operations: readonly Operation[];
  readonly skipped: readonly { operation: string; reason: string }[];
  readonly checks: readonly CheckId[];
  readonly identities: readonly string[];
  readonly seed: number;
  readonly maxRequests: number;
}

export const VERSION = '0.1.0';

export function parseTarget(target: string): URL {
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    throw new ScanError('GH_SCAN_USAGE', `--target must be an absolute http(s) URL (got "${target}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ScanError('GH_SCAN_USAGE', `--target must use http or https (got "${url.protocol}")`);
  return url;
}

export async function planScan(options: ScanOptions): Promise<ScanPlan> {
  const target = parseTarget(options.target);
  const spec = await loadSpec(options.spec);
  const targetPath = target.pathname.replace(/\/+$/, '');
  // A target with a path is the API's base; a bare origin takes the base path the spec's servers give.
  const basePath = targetPath !== '' ? targetPath : spec.basePaths[0] ?? '';
  const allow = options.operations === undefined || options.operations.length === 0 ? undefined : new Set(options.operations);
  const operations: Operation[] = [];
  const skipped: { operation: string; reason: string }[] = [];
  for (const op of spec.operations) {
    const names = [op.id, op.operationId, `${op.method} ${op.path}`].filter((n): n is string => n !== undefined);
    if (allow !== undefined && !names.some((n) => allow.has(n))) skipped.push({ operation: op.id, reason: 'not in --operations' });
    else if (options.skipDestructive === true && op.method === 'DELETE') skipped.push({ operation: op.id, reason: 'destructive (DELETE) skipped' });
    else operations.push(op);
  }
  if (allow !== undefined) {
    const known = new Set(spec.operations.flatMap((o) => [o.id, o.operationId, `${o.method} ${o.path}`]));
    const unknown = [...allow].filter((n) => !known.has(n));
    if (unknown.length > 0) throw new ScanError('GH_SCAN_USAGE', `--operations names unknown operation(s): ${unknown.join(', ')}`);
  }
  const wanted = new Set(options.checks === undefined || options.checks.length === 0 ? CHECKS : options.checks);
  const checks = CHECKS.filter((c) => wanted.has(c));
  const identities = options.identities ?? [];
  checkUniqueNames(identities);
  return {
    spec, target, basePath, operations, skipped, checks, identities: identities.map((i) => i.name),
    seed: options.seed ?? 1, maxRequests: options.maxRequests ?? 2000,
  };
}

export async function runScan(options: ScanOptions): Promise<ScanReport> {
  const plan = await planScan(options);
  const started = Date.now();
  const identities = options.identities ?? [];
  const maxTimeMs = options.maxTimeMs ?? 300_000;
  const client = new HttpClient({
    target: plan.target, maxRequests: plan.maxRequests, rate: options.rate ?? 0,
    timeoutMs: options.timeoutMs ?? 5_000, deadline: started + maxTimeMs,
  });
  const findings = new FindingSink(plan.target.origin, identities);
  const coverage = new Coverage(plan.operations);
  const notes: string[] = plan.skipped.map((s) => `${s.operation}: ${s.reason}`);
  const compiler = createSchemaCompiler(plan.spec, { unknownFields: 'allow', unknownQuery: 'allow', rejectReadOnly: false }, { lazyResponses: true });
  const compiled = new Map<string, OperationValidators | undefined>();
  let phase = 'preflight';
  const ctx: ScanContext = {
    spec: plan.spec, operations: plan.operations, resources: findResources(plan.operations), basePath: plan.basePath,
    client, identities, primary: identities[0], seed: plan.seed,
    tuning: { fuzzRuns: 12, delaySeconds: 2, burst: 60, destructive: options.skipDestructive !== true, ...options.tuning },
    findings, coverage, objects: new ObjectStore(), successes: new Map(),
    validators(op) {
      if (!compiled.has(op.id)) {
        try {
          compiled.set(op.id, compiler.compileOperation(op));
        } catch (error) {
          notes.push(`${op.id}: response schemas not checked (${(error as Error).message})`);
          compiled.set(op.id, undefined);
        }
      }
      return compiled.get(op.id);
    },
    note: (m) => notes.push(m),
    phase: (label) => { phase = label; options.onProgress?.({ sent: client.sent, max: plan.maxRequests, phase }); },
  };
  client.onExchange((e) => {
    coverage.record(e);
    options.onProgress?.({ sent: client.sent, max: plan.maxRequests, phase });
  });
  for (const check of plan.checks) PASSIVE[check]?.(ctx);
  let truncated = false;
  try {
    await proveCredentials(ctx);
    for (const check of plan.checks) {
      ctx.phase(check);
      try {
        await CHECK_RUNNERS[check](ctx);
      } catch (error) {
        if (error instanceof BudgetExhausted) {
          truncated = true;
          notes.push(`stopped during ${phase}: ${error.message} (raise --max-requests or --max-time)`);
          break;
        }
        if (error instanceof ScanError) throw error;
        notes.push(`check ${check} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } finally {
    await client.close();
  }
  return {
    tool: { name: 'gatehouse-scan', version: VERSION }, spec: plan.spec.file, target: plan.target.href, seed: plan.seed,
    checks: plan.checks, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, requests: client.sent,
    truncated, findings: findings.list(), coverage: coverage.list(), notes,
  };
}
