import type { Command } from 'commander';
import type { Alert } from '../anomaly/alert.js';
import { ALERT_TYPES } from '../anomaly/config.js';
import { ALERT_STREAM } from '../anomaly/dispatch.js';
import { readAll } from '../inventory/rows.js';
import { guarded, integerArg, openConfig, sinceOf, UsageError } from './common.js';

/** The alerts the gateways stored, newest first. */
export async function listAlerts(configFile: string, options: { since?: string; type?: string; limit?: number } = {}): Promise<Alert[]> {
  if (options.type !== undefined && !(ALERT_TYPES as readonly string[]).includes(options.type)) {
    throw new UsageError(`--type must be one of ${ALERT_TYPES.join(', ')}`);
  }
  const since = sinceOf(options.since ?? '24h');
  const opened = await openConfig(configFile, { sections: ['store'] });
  try {
    const records = await readAll(opened.store.records, ALERT_STREAM, since);
    const alerts = records.map((r) => r.data as unknown as Alert).filter((a) => options.type === undefined || a.type === options.type);
    return alerts.reverse().slice(0, options.limit ?? 100);
  } finally {
    await opened.close();
  }
}

export function formatAlerts(alerts: readonly Alert[]): string {
  if (alerts.length === 0) return 'no alerts\n';
  return alerts.map((a) => [
    `${new Date(a.ts).toISOString()}  ${a.severity.toUpperCase().padEnd(8)} ${a.type}  ${a.summary}`,
    `    id ${a.id}  subject ${a.subject.value}${a.operation === undefined ? '' : `  operation ${a.api}/${a.operation}`}`,
    `    confidence ${typeof a.confidence === 'number' ? a.confidence : 'unknown'}; evidence: ${a.evidence.count} (threshold ${a.evidence.threshold}) in ${a.evidence.windowMs} ms; requests ${a.evidence.sampleRequestIds.join(' ')}`,
    ...(a.evidence.examples === undefined ? [] : [`    examples: ${a.evidence.examples.join(', ')}`]),
    ...(a.evidence.reasons === undefined ? [] : a.evidence.reasons.map((r) => `    - ${r}`)),
    `    runbook ${a.runbook}${a.response === undefined ? '' : `  response: ${a.response}`}`,
  ].join('\n')).join('\n') + '\n';
}

export function registerAlerts(program: Command): void {
  program
    .command('alerts')
    .description('list alerts raised by the anomaly detectors (newest first)')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('--since <duration>', 'how far back', '24h')
    .option('--type <type>', `only this type (${ALERT_TYPES.join(', ')})`)
    .option('--limit <n>', 'at most N alerts', '100')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (options: { config: string; since: string; type?: string; limit: string; format: string }) => {
      await guarded(async () => {
        if (options.format !== 'text' && options.format !== 'json') throw new UsageError('--format must be text or json');
        const limit = integerArg('--limit', options.limit, 1, 100_000);
        const alerts = await listAlerts(options.config, { since: options.since, limit, ...(options.type === undefined ? {} : { type: options.type }) });
        process.stdout.write(options.format === 'json' ? `${JSON.stringify(alerts, null, 2)}\n` : formatAlerts(alerts));
      });
    });
}
