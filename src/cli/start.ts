import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ConfigError, formatProblem } from '../errors/index.js';
import { Gateway } from '../gateway/gateway.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the gateway (data plane) and the admin API')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('--no-watch', 'do not reload when a file of the configuration changes (SIGHUP still reloads; a difference is still reported)')
    .action(async (options: { config: string; watch: boolean }) => {
      let gateway;
      try {
        // Fail closed: a spec or policy that cannot be enforced in full stops the start.
        gateway = await Gateway.start(await loadConfig(options.config), { watch: options.watch ? 'reload' : 'report' });
      } catch (error) {
        if (error instanceof ConfigError) {
          process.stderr.write(`${options.config}: ${error.problems.length} error(s)\n${error.problems.map(formatProblem).join('\n')}\nnot starting: a protection could not be applied as configured\n`);
          process.exitCode = 1;
          return;
        }
        throw error;
      }
      runUntilSignalled(gateway);
    });
}

/**
 * SIGHUP reloads; SIGTERM and SIGINT shut down gracefully (docs/operations.md): readiness 503,
 * `shutdown.drainDelay` of serving, then a drain of in-flight requests. A second signal ends the
 * delay at once; the drain itself still lets in-flight requests finish.
 */
export function runUntilSignalled(gateway: Gateway, onStop?: () => Promise<void>): void {
  process.on('SIGHUP', () => { void gateway.reload(); });
  // A bug in one request's path must not take every other request down with the process: log it
  // (the logger masks secrets) and keep serving. Each one is a defect to fix, not a steady state.
  process.on('uncaughtException', (error) => gateway.services.logger.error({ err: error }, 'uncaught exception; still serving'));
  process.on('unhandledRejection', (reason) => gateway.services.logger.error({ err: reason }, 'unhandled rejection; still serving'));
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      gateway.services.logger.info({ signal }, 'second signal: ending the drain delay now');
      gateway.hurry();
      return;
    }
    stopping = true;
    gateway.services.logger.info({ signal }, 'shutting down: draining in-flight requests');
    void gateway.close().then(() => onStop?.()).finally(() => {
      gateway.services.logger.flush();
      process.exitCode = 0;
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}
