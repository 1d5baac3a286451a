/**
 * `gatehouse audit SPEC|DIR… [--format text|json|sarif|junit] [--fail-on SEVERITY|none] [--min-score N]
 *  [--rules FILE] [--ruleset .spectral.yaml] [--gateway-config FILE] [--store [-c gatehouse.yaml]]`
 * Exit codes (docs/cli.md holds the one table): 0 the gate passes; 1 a finding at/above --fail-on
 * or a score below --min-score; 2 usage error, a directory without specs, or an unreadable rules /
 * gateway config file. The last line says which gate decided and why.
 */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { Option, type Command } from 'commander';
import { ConfigError } from '../errors/index.js';
import { auditRecord } from '../reports/stored.js';
import type { Opened } from './common.js';
import { keepReport, openReportStore } from './stored.js';
import {
  BUILTIN_RULES, SEVERITIES, auditFiles, formatJson, formatJunit, formatSarif, formatText, gateVerdict, loadGatewayGuarantees, loadRulesFile, loadSpectralRuleset,
  type AuditRunOptions, type FailOn,
} from '../audit/index.js';

const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;

export interface AuditCliOptions {
  readonly format?: string;
  readonly failOn?: string;
  readonly minScore?: string;
  readonly rules?: string;
  readonly ruleset?: string;
  readonly gatewayConfig?: string;
  /** Keep the report in the store of `config` (the admin API and console show it). */
  readonly store?: boolean;
  readonly config?: string;
}

export interface AuditIo {
  readonly cwd: string;
  readonly color: boolean;
  write(s: string): void;
  error(s: string): void;
}

/** The command's body, callable from tests: returns the exit code instead of setting it. */
export async function runAudit(specs: readonly string[], opts: AuditCliOptions, io: AuditIo): Promise<0 | 1 | 2> {
  const format = opts.format ?? 'text';
  if (!(FORMATS as readonly string[]).includes(format)) return usage(io, `--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
  const failOn = (opts.failOn ?? 'high') as FailOn;
  if (!(FAIL_ON as readonly string[]).includes(failOn)) return usage(io, `--fail-on must be one of ${FAIL_ON.join(', ')} (got "${opts.failOn ?? ''}")`);
  let minScore: number | undefined;
  if (opts.minScore !== undefined) {
    minScore = Number(opts.minScore);
    if (!/^\d+(\.\d+)?$/.test(opts.minScore) || minScore > 100) return usage(io, `--min-score must be a number from 0 to 100 (got "${opts.minScore}")`);
  }
  if (specs.length === 0) return usage(io, 'give at least one OpenAPI document or directory');
  const files: string[] = [];
  for (const s of specs) {
    const st = await stat(s).catch(() => undefined);
    if (st?.isDirectory() !== true) { files.push(s); continue; } // a missing file is GH-SPEC-001, reported like any unreadable spec
    const found = await specsIn(s);
    if (found.length === 0) return usage(io, `directory ${s} holds no OpenAPI document (.yaml, .yml or .json with an openapi or swagger field)`);
    files.push(...found);
  }
  const run: { -readonly [K in keyof AuditRunOptions]: AuditRunOptions[K] } = {};
  try {
    if (opts.rules !== undefined) {
      const rc = await loadRulesFile(opts.rules);
      run.custom = rc.custom;
      run.overrides = rc.overrides;
    }
    if (opts.ruleset !== undefined) {
      const rs = await loadSpectralRuleset(opts.ruleset);
      const taken = new Set([...BUILTIN_RULES, ...(run.custom ?? [])].map((r) => r.id));
      const clash = rs.rules.find((r) => taken.has(r.id));
      if (clash !== undefined) return usage(io, `${opts.ruleset}: rule ${clash.id} has the id of a Gatehouse or --rules rule`);
      run.custom = [...(run.custom ?? []), ...rs.rules];
      // Read but not run: said out loud, so nobody believes a check ran that did not.
      for (const u of rs.unsupported) io.error(`gatehouse audit: unsupported, not run: ${u}\n`);
    }
    if (opts.gatewayConfig !== undefined) run.gateway = await loadGatewayGuarantees(opts.gatewayConfig);
  } catch (err) {
    if (err instanceof ConfigError) return usage(io, err.message);
    throw err;
  }
  const configFile = opts.config ?? 'gatehouse.yaml';
  let kept: Opened | undefined;
  if (opts.store === true) {
    const opened = await openReportStore(configFile);
    if (typeof opened === 'string') return usage(io, `--store: ${opened}`);
    kept = opened;
  }
  let report;
  try {
    report = await auditFiles(files, run);
  } catch (error) {
    await kept?.close();
    throw error;
  }
  const stored = kept === undefined ? undefined : await keepReport(kept, auditRecord(report, io.cwd), configFile);
  const out = format === 'json' ? formatJson(report, io.cwd)
    : format === 'sarif' ? formatSarif(report, io.cwd)
      : format === 'junit' ? formatJunit(report, io.cwd, { failOn, minScore })
        : formatText(report, io.cwd, io.color);
  io.write(out);
  // Said on stderr: stdout stays the report, parseable in every format.
  if (stored !== undefined) io.error(stored.stored ? stored.line : `gatehouse audit: ${stored.line}`);
  const verdict = gateVerdict(report, failOn, minScore);
  // Text ends with the verdict; machine formats keep stdout parseable and say it on stderr.
  if (format === 'text') io.write(`${verdict.reason}\n`);
  else io.error(`${verdict.reason}\n`);
  return stored?.stored === false ? 1 : verdict.code;
}

const FAIL_ON = [...SEVERITIES, 'none'] as const;
const SKIP_DIRS = new Set(['node_modules', '.git']);

/**
 * The specs under a directory, sorted: YAML and JSON files whose first 64 KB name an `openapi`
 * or `swagger` version. Other YAML (a CI file, a Gatehouse config) is not a spec and is skipped.
 */
async function specsIn(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const e of (await readdir(dir, { withFileTypes: true })).sort((a, b) => a.name.localeCompare(b.name))) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) { if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) out.push(...await specsIn(p)); continue; }
    if (e.isFile() && /\.(ya?ml|json)$/i.test(e.name) && await looksLikeSpec(p)) out.push(p);
  }
  return out;
}

async function looksLikeSpec(file: string): Promise<boolean> {
  const fh = await open(file, 'r');
  try {
    const buf = Buffer.alloc(65536);
    const { bytesRead } = await fh.read(buf, 0, buf.length, 0);
    return /(^|[\s{,])["']?(openapi|swagger)["']?\s*:\s*["']?\d/m.test(buf.subarray(0, bytesRead).toString('utf8'));
  } finally {
    await fh.close();
  }
}

function usage(io: AuditIo, message: string): 2 {
  io.error(`gatehouse audit: ${message}\n`);
  return 2;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('grade OpenAPI documents for security (OWASP API Top 10 2023); exit 1 when the gate fails')
    .argument('<spec...>', 'OpenAPI 2.0 / 3.0 / 3.1 documents (YAML or JSON), or directories to search for them')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('text'))
    .addOption(new Option('--fail-on <severity>', `exit 1 on findings at or above: ${FAIL_ON.join(', ')} (none: only --min-score gates)`).default('high'))
    .option('--min-score <n>', 'exit 1 when a document scores below N (0-100)')
    .option('--rules <file>', 'YAML file with severity overrides and custom rules')
    .option('--ruleset <file>', 'a Spectral ruleset (.spectral.yaml): core functions, local extends; unsupported parts are listed')
    .option('--gateway-config <file>', 'Gatehouse config: mark findings the gateway mitigates at runtime')
    .option('--store', 'keep the report in the store of --config, for the admin API and console (findings over time)')
    .option('-c, --config <file>', 'the config whose store --store writes to', 'gatehouse.yaml')
    .action(async (specs: string[], opts: AuditCliOptions) => {
      process.exitCode = await runAudit(specs, opts, {
        cwd: process.cwd(),
        color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
        write: (s) => process.stdout.write(s),
        error: (s) => process.stderr.write(s),
      });
    });
}
