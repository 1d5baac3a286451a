import type { Command } from 'commander';
import { adminWarnings } from '../admin/config.js';
import { auditScoreForSpecs } from '../audit/index.js';
import { compileApis, loadConfig, type LoadConfigOptions } from '../config/index.js';
import { ConfigError, formatProblem } from '../errors/index.js';
import { identityWarnings } from '../identity/config.js';
import { certificatesInUse } from '../observe/certificates.js';
import { guarded, integerArg } from './common.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly lines: string[];
}

/**
 * Validates a config file the way the gateway loads it, plus the issuers' `file:` key sets
 * (which the gateway only reads at run time), then loads and compiles every spec it names and
 * checks every policy against its spec, with the very function start and reload use: what
 * passes here starts, what fails here is refused there. Prints every problem with its file,
 * line and path (a JSON pointer for spec problems).
 */
export async function checkConfig(file: string, options: { minScore?: number; env?: LoadConfigOptions['env'] } = {}): Promise<CheckResult> {
  const lines: string[] = [];
  let config;
  try {
    config = await loadConfig(file, { ...(options.env === undefined ? {} : { env: options.env }), readKeySets: true });
  } catch (error) {
    if (error instanceof ConfigError) {
      lines.push(`${file}: ${error.problems.length} error(s)`);
      for (const p of error.problems) lines.push(formatProblem(p));
      return { ok: false, lines };
    }
    throw error;
  }
  let ok = true;
  for (const warning of [...adminWarnings(config.admin), ...identityWarnings(config.identity)]) lines.push(`warning: ${warning}`);
  for (const cert of certificatesInUse(config)) {
    if (cert.daysLeft < 0) {
      ok = false;
      lines.push(`error: ${cert.use} certificate ${cert.subject} in ${cert.file} expired on ${cert.notAfter.toISOString()}`);
    } else if (cert.daysLeft < 30) {
      lines.push(`warning: ${cert.use} certificate ${cert.subject} in ${cert.file} expires in ${cert.daysLeft} day(s)`);
    }
  }
  const checked = await compileApis(config);
  for (const { api, spec } of checked.apis) {
    // An egress API names the one destination it may reach, so a reviewer sees it at a glance.
    const egress = api.direction === 'egress' ? `, egress to ${api.upstream.url}` : '';
    lines.push(`api ${api.name}: ${spec.file} (OpenAPI ${spec.versionString}, ${spec.operations.length} operations${egress})`);
  }
  if (checked.errors.length > 0) {
    ok = false;
    lines.push(`${file}: ${checked.errors.length} error(s): a protection could not be applied as configured; gatehouse start refuses this config and a reload keeps the running one`);
    for (const p of checked.errors) lines.push(formatProblem(p));
  }
  for (const p of checked.warnings) lines.push(`warning: ${formatProblem(p).trimStart()}`);
  // The security grade of each spec (gatehouse audit): a warning, not an error, below the threshold.
  const minScore = options.minScore ?? 50;
  if (ok) {
    for (const { file: spec, score } of await auditScoreForSpecs(config.apis.map((a) => a.spec))) {
      if (score < minScore) lines.push(`warning: ${spec} scores ${score}/100 in gatehouse audit (threshold ${minScore}); run gatehouse audit ${spec}`);
    }
  }
  if (ok) lines.push(`${file}: ok`);
  return { ok, lines };
}

export function registerCheckConfig(program: Command): void {
  program
    .command('check-config')
    .description('validate a config file and the specs it names; print every error with its path and line')
    .argument('[file]', 'config file', 'gatehouse.yaml')
    .option('--min-score <n>', 'warn when a spec scores below N (0-100) in gatehouse audit', '50')
    .action((file: string, opts: { minScore: string }) => guarded(async () => {
      const minScore = integerArg('--min-score', opts.minScore, 0, 100);
      const result = await checkConfig(file, { minScore });
      const out = result.ok ? process.stdout : process.stderr;
      out.write(result.lines.join('\n') + '\n');
      process.exitCode = result.ok ? 0 : 1;
    }));
}
