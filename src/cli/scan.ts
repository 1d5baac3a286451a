/**
 * `gatehouse scan --spec SPEC --target URL [--auth name=Header:Value]... [--auth-file FILE]
 *  [--login 'name=METHOD PATH BODY [-> SOURCE]']... [--param [op:]name=value]...
 *  [--checks LIST] [--seed N] [--max-requests N] [--max-time S] [--rate N/s] [--timeout MS]
 *  [--operations LIST] [--exclude LIST] [--skip-destructive] [--include-destructive] [--outage-wait S]
 *  [--dry-run] [--format F] [--output FILE] [--fail-on SEV] [--store [-c gatehouse.yaml]]`
 * Exit codes: 0 clean (below --fail-on); 1 a finding at or above --fail-on; 2 usage error,
 * unreachable target or refused credentials (nothing was attacked).
 */
import { writeFile } from 'node:fs/promises';
import { Option, type Command } from 'commander';
import { GatehouseError } from '../errors/index.js';
import { scanRecord } from '../reports/stored.js';
import {
  CHECKS, FORMATS, SEVERITIES, formatReport, gateExitCode, parseIdentity, parseLogin, parseParam, planScan, progressBar, readIdentityFile, runScan,
  type CheckId, type Format, type Identity, type ScanOptions, type Severity,
} from '../scan/index.js';
import type { Opened } from './common.js';
import { keepReport, openReportStore } from './stored.js';

export interface ScanCliOptions {
  readonly spec?: string;
  readonly target?: string;
  readonly auth?: string[];
  readonly authFile?: string;
  readonly login?: string[];
  readonly param?: string[];
  readonly exclude?: string;
  readonly includeDestructive?: boolean;
  readonly outageWait?: string;
  readonly checks?: string;
  readonly seed?: string;
  readonly maxRequests?: string;
  readonly maxTime?: string;
  readonly rate?: string;
  readonly timeout?: string;
  readonly operations?: string;
  readonly skipDestructive?: boolean;
  readonly dryRun?: boolean;
  readonly format?: string;
  readonly output?: string;
  readonly failOn?: string;
  /** Keep the report in the store of `config` (the admin API and console show it). */
  readonly store?: boolean;
  readonly config?: string;
}

export interface ScanIo {
  readonly color: boolean;
  readonly stderr: { isTTY?: boolean; columns?: number; write(s: string): boolean };
  write(s: string): void;
  error(s: string): void;
}

class Usage extends Error {}

function int(name: string, v: string | undefined, min: number): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new Usage(`${name} must be a whole number >= ${min} (got "${v}")`);
  return Number(v);
}

/** `10`, `10/s`, `600/min` -> requests per second. */
export function parseRate(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const m = /^(\d+(?:\.\d+)?)(?:\/(s|sec|second|m|min|minute))?$/.exec(v.trim());
  if (m === null) throw new Usage(`--rate must look like 10/s or 600/min (got "${v}")`);
  return Number(m[1]) / (m[2] !== undefined && m[2].startsWith('m') ? 60 : 1);
}

function list(v: string | undefined): string[] | undefined {
  return v === undefined ? undefined : v.split(',').map((s) => s.trim()).filter(Boolean);
}

async function toOptions(o: ScanCliOptions, onProgress?: ScanOptions['onProgress']): Promise<ScanOptions> {
  if (o.spec === undefined) throw new Usage('--spec is required');
  if (o.target === undefined) throw new Usage('--target is required');
  const checks = list(o.checks);
  const unknown = (checks ?? []).filter((c) => !(CHECKS as readonly string[]).includes(c));
  if (unknown.length > 0) throw new Usage(`--checks: unknown check(s) ${unknown.join(', ')}; known: ${CHECKS.join(', ')}`);
  const identities: Identity[] = [...(o.auth ?? []).map((a) => parseIdentity(a)), ...(o.authFile === undefined ? [] : await readIdentityFile(o.authFile))];
  const maxTime = int('--max-time', o.maxTime, 1);
  const outageWait = int('--outage-wait', o.outageWait, 0);
  const opt: Record<string, unknown> = {
    spec: o.spec, target: o.target, identities, logins: (o.login ?? []).map((l) => parseLogin(l)), params: (o.param ?? []).map((p) => parseParam(p)),
    checks: checks as CheckId[] | undefined, seed: int('--seed', o.seed, 0), maxRequests: int('--max-requests', o.maxRequests, 1),
    rate: parseRate(o.rate), timeoutMs: int('--timeout', o.timeout, 1), maxTimeMs: maxTime === undefined ? undefined : maxTime * 1000,
    operations: list(o.operations), exclude: list(o.exclude), skipDestructive: o.skipDestructive === true, includeDestructive: o.includeDestructive === true,
    outageWaitMs: outageWait === undefined ? undefined : outageWait * 1000, onProgress,
  };
  for (const k of Object.keys(opt)) if (opt[k] === undefined) delete opt[k];
  return opt as unknown as ScanOptions;
}

/** The command's body, callable from tests: returns the exit code instead of setting it. */
export async function runScanCommand(o: ScanCliOptions, io: ScanIo): Promise<0 | 1 | 2> {
  try {
    const format = (o.format ?? 'text') as Format;
    if (!(FORMATS as readonly string[]).includes(format)) throw new Usage(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
    const failOn = (o.failOn ?? 'high') as Severity | 'none';
    if (failOn !== 'none' && !(SEVERITIES as readonly string[]).includes(failOn)) throw new Usage(`--fail-on must be one of ${SEVERITIES.join(', ')}, none (got "${failOn}")`);
    if (o.dryRun === true) {
      const plan = await planScan(await toOptions(o));
      io.write([
        `Plan (dry run, nothing sent): ${plan.target.origin}${plan.basePath} from ${plan.spec.file}`,
        `  seed ${plan.seed}, at most ${plan.maxRequests} requests, identities: ${plan.identities.join(', ') || '(none)'}`,
        `  checks: ${plan.checks.join(', ')}`,
        `  operations (${plan.operations.length}):`,
        ...plan.operations.map((op) => `    ${op.method.padEnd(7)} ${plan.basePath}${op.path}  (${op.id})`),
        ...(plan.skipped.length === 0 ? [] : [`  skipped (${plan.skipped.length}):`, ...plan.skipped.map((s) => `    skipped ${s.operation}: ${s.reason}`)]),
        ...plan.notes.map((n) => `  note: ${n}`),
        '',
      ].join('\n'));
      return 0;
    }
    const configFile = o.config ?? 'gatehouse.yaml';
    let kept: Opened | undefined;
    if (o.store === true) {
      const opened = await openReportStore(configFile);
      if (typeof opened === 'string') throw new Usage(`--store: ${opened}`);
      kept = opened;
    }
    const bar = progressBar(io.stderr);
    let report;
    try {
      report = await runScan(await toOptions(o, (p) => bar.update(p)));
    } catch (error) {
      await kept?.close();
      throw error;
    } finally {
      bar.done();
    }
    const stored = kept === undefined ? undefined : await keepReport(kept, scanRecord(report), configFile);
    const text = formatReport(report, format, { color: io.color && o.output === undefined });
    if (o.output !== undefined) await writeFile(o.output, text);
    else io.write(text);
    // A scan that stopped early says why where a person looks, whatever the format.
    const stop = report.notes.find((n) => n.startsWith('stopped during '));
    if (report.truncated && stop !== undefined) io.error(`gatehouse scan: ${stop}\n`);
    if (stored !== undefined) io.error(stored.stored ? stored.line : `gatehouse scan: ${stored.line}`);
    return stored?.stored === false ? 1 : gateExitCode(report, failOn);
  } catch (error) {
    if (error instanceof Usage || error instanceof GatehouseError) {
      io.error(`gatehouse scan: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('dynamic security testing and fuzzing of a running service from its OpenAPI spec (OWASP API Top 10)')
    .requiredOption('--spec <file>', 'OpenAPI 2.0 / 3.0 / 3.1 document of the service')
    .requiredOption('--target <url>', 'base URL of the running service; requests never leave its origin')
    .option('--auth <name=Header:Value>', 'an identity, repeatable (user1=Authorization:Bearer ey..., user2=...)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--auth-file <file>', 'identities, one name=Header:Value per line')
    .option('--login <spec>', 'an identity that logs in, repeatable: \'user1=POST /login {"username":"a","password":"p"} [-> /token]\' (tokens refreshed when they expire)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--param <[op:]name=value>', 'a value for inputs of that name, repeatable (userId=1, getOrder:orderId=42)', (v: string, prev: string[] = []) => [...prev, v])
    .option('--checks <list>', `comma-separated checks: ${CHECKS.join(', ')} (default: all)`)
    .option('--seed <n>', 'seed for input generation: the same seed sends the same requests', '1')
    .option('--max-requests <n>', 'request budget', '2000')
    .option('--max-time <seconds>', 'time budget', '300')
    .option('--rate <n/s>', 'requests per second (e.g. 20/s, 600/min); default unlimited')
    .option('--timeout <ms>', 'per-request timeout', '5000')
    .option('--operations <list>', 'allow-list of operation ids (operationId or "METHOD /path")')
    .option('--exclude <list>', 'operations to leave out (operationId or "METHOD /path")')
    .option('--skip-destructive', 'leave out DELETE operations')
    .option('--include-destructive', 'also scan operations whose name says reset, init, seed, drop, purge, wipe or create-database')
    .option('--outage-wait <seconds>', 'how long to wait for a target that went down to answer again before stopping', '30')
    .option('--dry-run', 'print the plan and send nothing')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('text'))
    .option('--output <file>', 'write the report to a file instead of stdout')
    .addOption(new Option('--fail-on <severity>', `exit 1 on findings at or above: ${SEVERITIES.join(', ')}, none`).default('high'))
    .option('--store', 'keep the report in the store of --config, for the admin API and console (findings over time)')
    .option('-c, --config <file>', 'the config whose store --store writes to', 'gatehouse.yaml')
    .action(async (opts: ScanCliOptions) => {
      process.exitCode = await runScanCommand(opts, {
        color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
        stderr: process.stderr,
        write: (s) => process.stdout.write(s),
        error: (s) => process.stderr.write(s),
      });
    });
}
