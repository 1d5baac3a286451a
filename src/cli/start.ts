import cluster from 'node:cluster';
import type { Command } from 'commander';
import { loadConfig } from '../config/index.js';
import { ConfigError, formatProblem } from '../errors/index.js';
import type { GatehouseConfig } from '../config/types.js';
import { Gateway } from '../gateway/gateway.js';
import { Primary } from '../workers/primary.js';
import { startWorker } from '../workers/worker.js';

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('run the gateway (data plane) and the admin API')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('--no-watch', 'do not reload when a file of the configuration changes (SIGHUP still reloads; a difference is still reported)')
    .action(async (options: { config: string; watch: boolean }) => {
      // node:cluster starts each worker as this same command line.
      if (cluster.isWorker) return startAsWorker(options);
      let gateway;
      try {
        // Fail closed: a spec or policy that cannot be enforced in full stops the start.
        const config = await loadConfig(options.config);
        if (config.workers !== undefined) return await startPrimary(config);
        gateway = await Gateway.start(config, { watch: options.watch ? 'reload' : 'report' });
      } catch (error) {
        if (error instanceof ConfigError) {
          process.stderr.write(refusal(options.config, error));
          process.exitCode = 1;
          return;
        }
        throw error;
      }
      runUntilSignalled(gateway);
    });
}

function refusal(file: string, error: ConfigError): string {
  return `${file}: ${error.problems.length} error(s)\n${error.problems.map(formatProblem).join('\n')}\nnot starting: a protection could not be applied as configured\n`;
}

/** `workers: N`: this process supervises; SIGHUP reloads every worker together, SIGTERM drains them all. */
async function startPrimary(config: GatehouseConfig): Promise<void> {
  const primary = await Primary.start(config);
  process.on('SIGHUP', () => { void primary.reload(); });
  const stop = (): void => {
    void primary.stop().then(() => { process.exitCode = 0; });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

async function startAsWorker(options: { config: string; watch: boolean }): Promise<void> {
  try {
    await startWorker(options.config, options.watch);
  } catch (error) {
    process.stderr.write(error instanceof ConfigError ? refusal(options.config, error) : `worker ${process.pid}: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
    // The IPC channel keeps a worker alive: let go of it so that the failed start ends the process.
    process.disconnect();
  }
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
