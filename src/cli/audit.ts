/**
 * `gatehouse audit SPEC… [--format text|json|sarif|junit] [--fail-on SEVERITY] [--min-score N]
 *  [--rules FILE] [--gateway-config FILE]`
 * Exit codes: 0 pass; 1 a finding at/above --fail-on or a score below --min-score; 2 usage error
 * or an unreadable rules / gateway config file.
 */
import { Option, type Command } from 'commander';
import { ConfigError } from '../errors/index.js';
import {
  SEVERITIES, auditFiles, formatJson, formatJunit, formatSarif, formatText, gateExitCode, loadGatewayGuarantees, loadRulesFile,
  type AuditRunOptions, type Severity,
} from '../audit/index.js';

const FORMATS = ['text', 'json', 'sarif', 'junit'] as const;

export interface AuditCliOptions {
  readonly format?: string;
  readonly failOn?: string;
  readonly minScore?: string;
  readonly rules?: string;
  readonly gatewayConfig?: string;
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
  const failOn = (opts.failOn ?? 'high') as Severity;
  if (!(SEVERITIES as readonly string[]).includes(failOn)) return usage(io, `--fail-on must be one of ${SEVERITIES.join(', ')} (got "${opts.failOn ?? ''}")`);
  let minScore: number | undefined;
  if (opts.minScore !== undefined) {
    minScore = Number(opts.minScore);
    if (!/^\d+(\.\d+)?$/.test(opts.minScore) || minScore > 100) return usage(io, `--min-score must be a number from 0 to 100 (got "${opts.minScore}")`);
  }
  if (specs.length === 0) return usage(io, 'give at least one OpenAPI document');
  const run: { -readonly [K in keyof AuditRunOptions]: AuditRunOptions[K] } = {};
  try {
    if (opts.rules !== undefined) {
      const rc = await loadRulesFile(opts.rules);
      run.custom = rc.custom;
      run.overrides = rc.overrides;
    }
    if (opts.gatewayConfig !== undefined) run.gateway = await loadGatewayGuarantees(opts.gatewayConfig);
  } catch (err) {
    if (err instanceof ConfigError) return usage(io, err.message);
    throw err;
  }
  const report = await auditFiles(specs, run);
  const out = format === 'json' ? formatJson(report, io.cwd)
    : format === 'sarif' ? formatSarif(report, io.cwd)
      : format === 'junit' ? formatJunit(report, io.cwd)
        : formatText(report, io.cwd, io.color);
  io.write(out);
  return gateExitCode(report, failOn, minScore);
}

function usage(io: AuditIo, message: string): 2 {
  io.error(`gatehouse audit: ${message}\n`);
  return 2;
}

export function registerAudit(program: Command): void {
  program
    .command('audit')
    .description('grade OpenAPI documents for security (OWASP API Top 10 2023); exit 1 when the gate fails')
    .argument('<spec...>', 'OpenAPI 2.0 / 3.0 / 3.1 documents (YAML or JSON)')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('text'))
    .addOption(new Option('--fail-on <severity>', `exit 1 on findings at or above: ${SEVERITIES.join(', ')}`).default('high'))
    .option('--min-score <n>', 'exit 1 when a document scores below N (0-100)')
    .option('--rules <file>', 'YAML file with severity overrides and custom rules')
    .option('--gateway-config <file>', 'Gatehouse config: mark findings the gateway mitigates at runtime')
    .action(async (specs: string[], opts: AuditCliOptions) => {
      process.exitCode = await runAudit(specs, opts, {
        cwd: process.cwd(),
        color: process.stdout.isTTY === true && process.env.NO_COLOR === undefined,
        write: (s) => process.stdout.write(s),
        error: (s) => process.stderr.write(s),
      });
    });
}
