import { Command } from 'commander';
import { registerCheckConfig } from './check-config.js';
import { registerDemo } from './demo.js';
import { registerStart } from './start.js';

/**
 * The `gatehouse` command tree. Each command lives in its own file and is a thin shell over
 * functions the tests call directly.
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
