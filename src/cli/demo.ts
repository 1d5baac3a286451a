import { InvalidArgumentError, Option, type Command } from 'commander';
import { demoInstructions, startDemo } from '../demo/run.js';
import { startSampleApi } from '../demo/sample-api.js';
import { runUntilSignalled } from './start.js';

export function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new InvalidArgumentError('must be a port number from 0 to 65535');
  return port;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a bundled sample API with its spec and the gateway in front of it')
    .option('--port <port>', 'gateway port', parsePort, 8080)
    .option('--admin-port <port>', 'admin port (console, admin API, metrics, health)', parsePort, 9090)
    .addOption(new Option('--log-level <level>', 'log level').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'))
    .option('--sample-api-only', 'start only the sample API, on --port and --host (the upstream of deploy/compose.yaml)')
    .option('--host <address>', 'with --sample-api-only: the address to listen on', '127.0.0.1')
    .action(async (options: { port: number; adminPort: number; logLevel: string; sampleApiOnly?: boolean; host: string }) => {
      if (options.sampleApiOnly === true) {
        const sample = await startSampleApi(options.port, options.host);
        process.stdout.write(`sample API listening on ${sample.url}\n`);
        const stop = (): void => { void sample.close(); };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
        return;
      }
      const demo = await startDemo({ port: options.port, adminPort: options.adminPort, logLevel: options.logLevel, warmUp: true });
      process.stdout.write(demoInstructions(demo));
      runUntilSignalled(demo.gateway, () => demo.sample.close());
    });
}
