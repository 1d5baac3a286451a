import { Command, CommanderError } from 'commander';
import { registerAdminToken } from './admin-token.js';
import { registerAudit } from './audit.js';
import { registerCheckConfig } from './check-config.js';
import { registerDemo } from './demo.js';
import { registerDeps } from './deps.js';
import { registerDetect } from './detect.js';
import { registerAlerts } from './alerts.js';
import { registerInventory } from './inventory.js';
import { registerRevocations } from './revocations.js';
import { registerSbom } from './sbom.js';
import { registerScan } from './scan.js';
import { registerSecrets } from './secrets.js';
import { registerStart } from './start.js';
import { registerAuditLog } from './audit-log.js';
import { registerKeys } from './keys.js';
import { registerThreatModel } from './threat-model.js';
import { registerToken } from './token.js';

/**
 * The `gatehouse` command tree. Each command lives in its own file and is a thin shell over
 * functions the tests call directly.
 */
export function buildProgram(): Command {
  const program = new Command('gatehouse')
    .description('API security gateway, spec audit and scanner driven by your OpenAPI contract')
    .version(process.env.npm_package_version ?? '0.1.0')
    .showHelpAfterError('(run with --help for usage)')
    // A command's options are its own: without this, commander hands an option written after a
    // subcommand to the parent that also has it (`secrets get NAME --version 2` printed the
    // program's version; `inventory ingest --config FILE` read the parent's default config).
    // Inherited by every command added below, like exitOverride.
    .enablePositionalOptions()
    // Set before the commands are added, so every command inherits it: usage errors throw
    // instead of exiting, and runCli turns them into exit code 2.
    .exitOverride();
  registerStart(program);
  registerDemo(program);
  registerCheckConfig(program);
  registerToken(program);
  registerKeys(program);
  registerAuditLog(program);
  registerAudit(program);
  registerDetect(program);
  registerScan(program);
  registerThreatModel(program);
  registerSbom(program);
  registerDeps(program);
  registerSecrets(program);
  registerInventory(program);
  registerAlerts(program);
  registerRevocations(program);
  registerAdminToken(program);
  return program;
}

/**
 * Runs the command line and returns the exit code: what the command set, 2 for a usage error
 * (as grep and most CI tools do: "the gate failed" and "the command line is wrong" differ), 0 for
 * --help and --version, 1 for an unexpected failure (message only, no stack).
 */
export async function runCli(argv: readonly string[], program = buildProgram()): Promise<number> {
  try {
    await program.parseAsync([...argv]);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
    process.stderr.write(`gatehouse: ${error instanceof Error ? error.message : String(error)}\n`);
    return 1;
  }
}
