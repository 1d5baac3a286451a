/**
 * Runs a scan: load the spec, select operations and checks, log in and prove the credentials, run
 * the checks within the budgets while watching that the target stays up, and return the report
 * with every credential redacted. `planScan` is the dry run: same selection, no request.
 */
import type { LoadedSpec, Operation, OperationValidators, SchemaObject } from '../openapi/index.js';
import { createSchemaCompiler, loadSpec } from '../openapi/index.js';
import { getInternals } from '../openapi/internals.js';
import { checkUniqueNames } from './auth.js';
import { CHECK_RUNNERS, PASSIVE } from './checks/index.js';
import { isSecured, type ScanContext, type ScanTuning } from './context.js';
import { ScanError, ScanHalt } from './errors.js';
import { Coverage, FindingSink } from './findings.js';
import { HttpClient } from './http.js';
import { KnownValues } from './known.js';
import { LoginIdentity, LoginManager, type LoginSpec } from './login.js';
import { outageFinding } from './outage.js';
import { proveCredentials } from './preflight.js';
import { scanSecrets } from './accounts.js';
import { identitySecrets, redactReport, type Secret } from './report/redact.js';
import { findResources, ObjectStore } from './resources.js';
import { prerequisites, skipReason } from './safety.js';
import { CHECKS, type CheckId, type Identity, type ScanReport, type ScanRequest, type ScanResponse } from './types.js';
import { checkParams, type UserParam } from './values.js';

export interface ScanOptions {
  readonly spec: string;
  readonly target: string;
  readonly identities?: readonly Identity[];
  /** Identities that log in (`--login`): the scan fetches and refreshes their tokens. */
  readonly logins?: readonly LoginSpec[];
  /** `--param`: values for named inputs, everywhere or for one operation. */
  readonly params?: readonly UserParam[];
  readonly checks?: readonly CheckId[];
  readonly seed?: number;
  readonly maxRequests?: number;
  /** Requests per second, 0 for unlimited. */
  readonly rate?: number;
  readonly timeoutMs?: number;
  readonly maxTimeMs?: number;
  /** Allow-list of operation ids / operationIds / `METHOD /path`. */
  readonly operations?: readonly string[];
  /** Operations left out (ids / operationIds / `METHOD /path`). */
  readonly exclude?: readonly string[];
  /** Leave out DELETE operations and destructive steps. */
  readonly skipDestructive?: boolean;
  /** Also scan operations whose name says they reset, seed, drop or wipe state. */
  readonly includeDestructive?: boolean;
  /** How long to wait for a target that went down to come back (default 30 s); 0 stops at once. */
  readonly outageWaitMs?: number;
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
  /** What selected checks need and do not have (two non-admin identities for BOLA, ...). */
  readonly notes: readonly string[];
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

function unknownNames(spec: LoadedSpec, names: readonly string[] | undefined, flag: string): void {
  if (names === undefined || names.length === 0) return;
  const known = new Set(spec.operations.flatMap((o) => [o.id, o.operationId, `${o.method} ${o.path}`]));
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) throw new ScanError('GH_SCAN_USAGE', `${flag} names unknown operation(s): ${unknown.join(', ')}`);
}

export async function planScan(options: ScanOptions): Promise<ScanPlan> {
  const target = parseTarget(options.target);
  const spec = await loadSpec(options.spec);
  const targetPath = target.pathname.replace(/\/+$/, '');
  // A target with a path is the API's base; a bare origin takes the base path the spec's servers give.
  const basePath = targetPath !== '' ? targetPath : spec.basePaths[0] ?? '';
  unknownNames(spec, options.operations, '--operations');
  unknownNames(spec, options.exclude, '--exclude');
  const allow = options.operations === undefined || options.operations.length === 0 ? undefined : new Set(options.operations);
  const operations: Operation[] = [];
  const skipped: { operation: string; reason: string }[] = [];
  for (const op of spec.operations) {
    const names = [op.id, op.operationId, `${op.method} ${op.path}`].filter((n): n is string => n !== undefined);
    const reason = allow !== undefined && !names.some((n) => allow.has(n)) ? 'not in --operations'
      : skipReason(op, { exclude: options.exclude ?? [], includeDestructive: options.includeDestructive === true, skipDelete: options.skipDestructive === true });
    if (reason === undefined) operations.push(op);
    else skipped.push({ operation: op.id, reason });
  }
  checkParams(options.params ?? [], operations.length > 0 ? operations : spec.operations);
  const wanted = new Set(options.checks === undefined || options.checks.length === 0 ? CHECKS : options.checks);
  const checks = CHECKS.filter((c) => wanted.has(c));
  const identities = [...(options.identities ?? []), ...(options.logins ?? []).map((l) => ({ name: l.name, header: l.header, value: '' }))];
  checkUniqueNames(identities);
  return {
    spec, target, basePath, operations, skipped, checks, identities: identities.map((i) => i.name),
    notes: prerequisites(checks, identities), seed: options.seed ?? 1, maxRequests: options.maxRequests ?? 2000,
  };
}

/** The component name of a schema (`#/components/schemas/Pet` -> `Pet`), for XML root elements. */
function schemaNamer(spec: LoadedSpec): (schema: SchemaObject) => string | undefined {
  const origins = getInternals(spec).origins;
  return (schema) => /\/(?:components\/schemas|definitions)\/([^/]+)$/.exec(origins.get(schema)?.pointer ?? '')?.[1];
}

/** The login path on the target: the spec's base path is added when the path is one of its operations. */
function loginPath(plan: ScanPlan): (l: LoginSpec) => string {
  return (l) => {
    if (plan.basePath === '' || l.path.startsWith(`${plan.basePath}/`)) return l.path;
    return plan.spec.operations.some((o) => o.method === l.method && o.path === l.path) ? `${plan.basePath}${l.path}` : l.path;
  };
}

export async function runScan(options: ScanOptions): Promise<ScanReport> {
  const plan = await planScan(options);
  const started = Date.now();
  const logins = (options.logins ?? []).map((l) => new LoginIdentity(l));
  const identities: Identity[] = [...(options.identities ?? []), ...logins];
  const maxTimeMs = options.maxTimeMs ?? 300_000;
  const client = new HttpClient({
    target: plan.target, maxRequests: plan.maxRequests, rate: options.rate ?? 0,
    timeoutMs: options.timeoutMs ?? 5_000, deadline: started + maxTimeMs, outageWaitMs: options.outageWaitMs ?? 30_000,
  });
  const findings = new FindingSink(plan.target.origin, identities);
  const coverage = new Coverage(plan.operations);
  const notes: string[] = [...plan.skipped.map((s) => `${s.operation}: ${s.reason}`), ...plan.notes];
  const compiler = createSchemaCompiler(plan.spec, { unknownFields: 'allow', unknownQuery: 'allow', rejectReadOnly: false }, { lazyResponses: true });
  const compiled = new Map<string, OperationValidators | undefined>();
  const known = new KnownValues(options.params ?? [], plan.operations);
  let phase = 'preflight';
  const ctx: ScanContext = {
    spec: plan.spec, operations: plan.operations, resources: findResources(plan.operations), basePath: plan.basePath,
    client, identities, primary: identities[0], seed: plan.seed,
    tuning: { fuzzRuns: 12, delaySeconds: 2, burst: 60, destructive: options.skipDestructive !== true, ...options.tuning },
    findings, coverage, objects: new ObjectStore(), successes: new Map(), ownSuccesses: new Map(), known, schemaName: schemaNamer(plan.spec),
    validators(op) {
      if (!compiled.has(op.id)) {
        try {
          compiled.set(op.id, compiler.compileOperation(op));
        } catch (error) {
          notes.push(`${op.id}: request and response schemas not checked (${(error as Error).message})`);
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
  client.onOutage((o) => {
    findings.add(outageFinding(o, plan.operations));
    if (o.final) return;
    notes.push(`the target went down after ${o.cause.request.method} ${o.cause.request.path.split('?')[0] ?? ''} and answered again after ${((o.downMs ?? 0) / 1000).toFixed(1)} s; the scan went on`);
  });
  const pathOf = loginPath(plan);
  // A login that is an operation of the spec counts for its coverage, and its body is a known-good input.
  const loginOp = (l: LoginSpec): Operation | undefined => plan.operations.find((o) => o.method === l.method && `${plan.basePath}${o.path}` === pathOf(l));
  const sendLogin = async (req: ScanRequest, l: LoginSpec): Promise<ScanResponse> => {
    const op = loginOp(l);
    const response = await client.send(req, op?.id, { raw: true });
    const body = loginFields(l);
    if (op !== undefined && body !== undefined && response.status >= 200 && response.status < 300 && !ctx.successes.has(op.id)) {
      ctx.successes.set(op.id, { values: { path: {}, query: {}, header: {}, cookie: {}, body, mediaType: l.contentType }, request: req, response });
    }
    return response;
  };
  const manager = new LoginManager(logins, sendLogin, pathOf, (m) => notes.push(m));
  client.useAuthenticator(manager, (id) => { const op = plan.operations.find((o) => o.id === id); return op !== undefined && isSecured(op); });
  for (const check of plan.checks) PASSIVE[check]?.(ctx);
  let truncated = false;
  try {
    client.liveness.useProbe(`${plan.basePath}/`);
    const first = await client.liveness.baseline();
    if (first.status === 0) {
      throw new ScanError('GH_SCAN_TARGET_UNREACHABLE', `the target ${client.origin} did not answer: ${first.errorMessage ?? first.error ?? 'no response'}`);
    }
    await manager.loginAll();
    for (const id of identities) known.addIdentity(id, loginFields(logins.find((l) => l.name === id.name)?.spec));
    await proveCredentials(ctx);
    // Liveness probes repeat a read that succeeded: it reaches the service itself, not only a gateway in front.
    const read = [...ctx.successes.entries()].find(([id]) => plan.operations.find((o) => o.id === id)?.method === 'GET');
    if (read !== undefined) client.liveness.useProbe(read[1].request);
    for (const check of plan.checks) {
      ctx.phase(check);
      try {
        await client.liveness.check();
        await CHECK_RUNNERS[check](ctx);
      } catch (error) {
        if (error instanceof ScanHalt) {
          truncated = true;
          notes.push(`stopped during ${phase}: ${error.message}${error.name === 'BudgetExhausted' ? ' (raise --max-requests or --max-time)' : ''}`);
          break;
        }
        if (error instanceof ScanError) throw error;
        notes.push(`check ${check} failed: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
  } catch (error) {
    // Credentials refused or the target unreachable before anything was attacked: no report.
    if (error instanceof ScanError || !(error instanceof ScanHalt)) throw error;
    truncated = true;
    notes.push(`stopped during ${phase}: ${error.message}`);
  } finally {
    await client.close();
  }
  if (client.liveness.probes > 0) notes.push(`${client.liveness.probes} liveness probe(s) sent (not counted as requests)`);
  const report: ScanReport = {
    tool: { name: 'gatehouse-scan', version: VERSION }, spec: plan.spec.file, target: plan.target.href, seed: plan.seed,
    checks: plan.checks, startedAt: new Date(started).toISOString(), durationMs: Date.now() - started, requests: client.sent,
    truncated, findings: findings.list(), coverage: coverage.list(), notes,
  };
  const secrets: Secret[] = [
    ...(options.identities ?? []).flatMap((i) => identitySecrets(i)),
    ...logins.flatMap((l) => identitySecrets(l, l.issued)),
    ...logins.flatMap((l) => l.spec.secrets.map((value) => ({ value, label: '[redacted]' }))),
    ...(options.params ?? []).filter((p) => /pass|secret|token|key|credential|pin/i.test(p.name)).map((p) => ({ value: p.raw, label: '[redacted]' })),
    // The scanner's own accounts (their tokens and passwords) and tokens responses handed out.
    ...scanSecrets(ctx),
  ];
  return redactReport(report, secrets);
}

/** The login body's fields (a user name, an email) for the identity's profile. */
function loginFields(spec: LoginSpec | undefined): unknown {
  if (spec?.body === undefined) return undefined;
  try {
    return /json/i.test(spec.contentType ?? '') ? JSON.parse(spec.body) as unknown : Object.fromEntries(new URLSearchParams(spec.body));
  } catch {
    return undefined;
  }
}
