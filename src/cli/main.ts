#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerCheckConfig } from './check-config.js';
import { registerDemo } from './demo.js';
import { registerStart } from './start.js';

/**
 * The `gatehouse` command. Each command lives in its own file and is a thin shell over functions
 * the tests call directly; this is the only place that reads process.argv.
 */
export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('API security gateway, spec audit and scanner driven by your OpenAPI contract')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride();
  registerStart(program);
  registerDemo(program);
  registerCheckConfig(program);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(process.argv);
  } catch (error) {
    if (error instanceof CommanderError) {
      // Usage errors exit 2 (as grep and most CI tools do); --help and --version exit 0.
      process.exitCode = error.exitCode === 0 ? 0 : 2;
      return;
    }
    process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}

void main();
