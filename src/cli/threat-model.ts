/**
 * `gatehouse threat-model SPEC [--gateway-config FILE] [--format md|json|html] [--output FILE]`
 * Exit codes: 0 the model was written; 2 usage error, a spec or config that cannot be read or is
 * invalid, or a config none of whose APIs serves the spec.
 */
import { Option, type Command } from 'commander';
import { loadConfig } from '../config/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { ConfigError, SpecError, formatProblem } from '../errors/index.js';
import { loadSpec } from '../openapi/index.js';
import type { LoadedSpec } from '../openapi/types.js';
import { SpecNotServedError, buildThreatModel, formatHtml, formatJson, formatMarkdown, type ThreatModel } from '../threat/index.js';
import { UsageError, choiceArg, guarded, writeOutput } from './common.js';

const FORMATS = ['md', 'json', 'html'] as const;
/** What the mitigations are read from; the store, admin and monitoring sections play no part. */
const SECTIONS = ['listen', 'limits', 'identity', 'apis'] as const;

export interface ThreatModelCliOptions {
  readonly format?: string;
  readonly gatewayConfig?: string;
  readonly output?: string;
}

/** The command's body, callable from tests: the report text, or a UsageError. */
export async function threatModelReport(specFile: string, opts: ThreatModelCliOptions, cwd: string): Promise<{ text: string; model: ThreatModel }> {
  const format = choiceArg('--format', opts.format ?? 'md', FORMATS);
  let spec: LoadedSpec;
  try {
    spec = await loadSpec(specFile);
  } catch (error) {
    if (error instanceof SpecError) throw new UsageError(error.message);
    throw new UsageError(`${specFile}: cannot read the spec (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  }
  let config: GatehouseConfig | undefined;
  if (opts.gatewayConfig !== undefined) {
    try {
      config = await loadConfig(opts.gatewayConfig, { sections: SECTIONS });
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`--gateway-config ${opts.gatewayConfig}: ${error.problems.length} error(s)\n${error.problems.map(formatProblem).join('\n')}`);
      throw error;
    }
  }
  let model: ThreatModel;
  try {
    model = buildThreatModel(spec, { ...(config === undefined ? {} : { config }), version: process.env.npm_package_version ?? '0.1.0' });
  } catch (error) {
    if (error instanceof SpecNotServedError) throw new UsageError(`--gateway-config ${error.message}`);
    throw error;
  }
  const text = format === 'json' ? formatJson(model) : format === 'html' ? formatHtml(model, cwd) : formatMarkdown(model, cwd);
  return { text, model };
}

export function registerThreatModel(program: Command): void {
  program
    .command('threat-model')
    .description('STRIDE threats per operation, derived from the spec, with what the gateway config mitigates, ranked by remaining risk')
    .argument('<spec>', 'OpenAPI 2.0 / 3.0 / 3.1 document (YAML or JSON)')
    .option('--gateway-config <file>', 'Gatehouse config serving the spec: which threats its policies mitigate')
    .addOption(new Option('--format <format>', `output format: ${FORMATS.join(', ')}`).default('md'))
    .option('--output <file>', 'write the report to a file instead of standard output')
    .action((spec: string, opts: ThreatModelCliOptions) => guarded(async () => {
      const { text } = await threatModelReport(spec, opts, process.cwd());
      if (opts.output !== undefined) await writeOutput('--output', opts.output, text);
      else process.stdout.write(text);
    }));
}
