/**
 * `npm run campaign [-- --count N --seed S --max-seconds T --targets demo,hardened --format json]`
 *
 * Attacks the demo gateway and a hardened variant, each run as a child process in front of the
 * sample service: fuzzed requests (fast-check, reproducible from the seed), malformed raw
 * requests, forged tokens and fault scenarios. Prints what it counted; exit code 1 when a forged
 * token was accepted, a client's input got a 5xx, the gateway crashed or logged an uncaught
 * error, an answer leaked a stack trace or secret, a request was smuggled to the upstream or a
 * fault was not recovered from; 2 when the campaign itself could not run.
 */
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { TARGETS, runCampaign, type TargetName } from './campaign.js';
import type { GatehouseCommand } from './processes.js';
import { formatReport, reportJson } from './tally.js';

/**
 * `gatehouse` as this file was started: compiled (dist/, `npm run campaign`), or from the
 * TypeScript sources through the tests' module hooks (test/helpers/ts-hooks.mjs) when the test
 * suite runs the campaign, so it attacks the code under test rather than a stale build.
 */
export function gatehouseCommand(): GatehouseCommand {
  if (import.meta.url.endsWith('.ts')) {
    return { execPath: process.execPath, args: ['--import', fileURLToPath(new URL('../../test/helpers/ts-register.mjs', import.meta.url)), fileURLToPath(new URL('../../src/cli/main.ts', import.meta.url))] };
  }
  return { execPath: process.execPath, args: [fileURLToPath(new URL('../../src/cli/main.js', import.meta.url))] };
}

function whole(name: string, value: string, min: number): number {
  if (!/^\d+$/.test(value) || Number(value) < min) throw new Error(`--${name} must be a whole number of at least ${min} (got "${value}")`);
  return Number(value);
}

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        count: { type: 'string', default: '20000' },
        seed: { type: 'string' },
        'max-seconds': { type: 'string', default: '900' },
        concurrency: { type: 'string', default: '16' },
        targets: { type: 'string', default: TARGETS.join(',') },
        format: { type: 'string', default: 'text' },
      },
      strict: true,
    }).values;
  } catch (error) {
    process.stderr.write(`campaign: ${(error as Error).message}\n`);
    return 2;
  }
  let options;
  try {
    const targets = (args.targets ?? '').split(',').filter((t) => t !== '');
    const unknown = targets.filter((t) => !(TARGETS as readonly string[]).includes(t));
    if (targets.length === 0 || unknown.length > 0) throw new Error(`--targets must list ${TARGETS.join(', ')} (got "${args.targets ?? ''}")`);
    if (args.format !== 'text' && args.format !== 'json') throw new Error(`--format must be text or json (got "${args.format ?? ''}")`);
    options = {
      count: whole('count', args.count ?? '', 0),
      seed: args.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : whole('seed', args.seed, 0),
      maxSeconds: whole('max-seconds', args['max-seconds'] ?? '', 1),
      concurrency: whole('concurrency', args.concurrency ?? '', 1),
      targets: targets as TargetName[],
      gatehouse: gatehouseCommand(),
      progress: (line: string) => process.stderr.write(`campaign: ${line}\n`),
    };
  } catch (error) {
    process.stderr.write(`campaign: ${(error as Error).message}\n`);
    return 2;
  }
  let report;
  try {
    report = await runCampaign(options);
  } catch (error) {
    process.stderr.write(`campaign: could not run: ${(error as Error).message}\n`);
    return 2;
  }
  process.stdout.write(args.format === 'json' ? reportJson(report) : formatReport(report));
  return report.failures.length === 0 ? 0 : 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  main().then((code) => { process.exitCode = code; }, (error: unknown) => {
    process.stderr.write(`campaign: ${String(error)}\n`);
    process.exitCode = 2;
  });
}
