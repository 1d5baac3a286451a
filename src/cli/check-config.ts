import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ConfigError, SpecError, formatProblem } from '../errors/index.js';
import { certificatesInUse } from '../observe/certificates.js';
import { createSchemaCompiler, loadSpec } from '../openapi/index.js';

export interface CheckResult {
  readonly ok: boolean;
  readonly lines: string[];
}

/**
 * Validates a config file the way the gateway loads it, then loads and compiles every spec it
 * names. Prints every problem with its path and line.
 */
export async function checkConfig(file: string): Promise<CheckResult> {
  const lines: string[] = [];
  let config;
  try {
    config = await loadConfig(file);
  } catch (error) {
    if (error instanceof ConfigError) {
      lines.push(`${file}: ${error.problems.length} error(s)`);
      for (const p of error.problems) lines.push(formatProblem(p));
      return { ok: false, lines };
    }
    throw error;
  }
  let ok = true;
  for (const cert of certificatesInUse(config)) {
    if (cert.daysLeft < 0) {
      ok = false;
      lines.push(`error: ${cert.use} certificate ${cert.subject} in ${cert.file} expired on ${cert.notAfter.toISOString()}`);
    } else if (cert.daysLeft < 30) {
      lines.push(`warning: ${cert.use} certificate ${cert.subject} in ${cert.file} expires in ${cert.daysLeft} day(s)`);
    }
  }
  for (const api of config.apis) {
    try {
      const spec = await loadSpec(api.spec);
      const compiler = createSchemaCompiler(spec, { unknownFields: api.policies.contract.unknownFields, unknownQuery: api.policies.contract.unknownQuery, rejectReadOnly: api.policies.contract.readOnly === 'reject' });
      for (const operation of spec.operations) compiler.compileOperation(operation);
      lines.push(`api ${api.name}: ${spec.file} (OpenAPI ${spec.versionString}, ${spec.operations.length} operations)`);
      for (const problem of spec.problems) lines.push(`  ${problem.severity}: ${problem.file}${problem.line === undefined ? '' : `:${problem.line}`}: ${problem.message} (${problem.pointer})`);
    } catch (error) {
      ok = false;
      lines.push(`api ${api.name}: ${error instanceof SpecError ? error.message : `cannot load ${api.spec}: ${(error as Error).message}`}`);
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
    .action(async (file: string) => {
      const result = await checkConfig(file);
      const out = result.ok ? process.stdout : process.stderr;
      out.write(result.lines.join('\n') + '\n');
      process.exitCode = result.ok ? 0 : 1;
    });
}
