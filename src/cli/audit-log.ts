import { Option, type Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { queryDecisions, type DecisionQuery } from '../identity/audit-trail.js';
import type { StoredRecord } from '../store/index.js';
import { guarded, openConfig, UsageError } from './common.js';

export interface AuditLogOptions {
  readonly identity?: string;
  readonly operation?: string;
  readonly decision?: string;
  readonly api?: string;
  /** A duration back from now (`1h`) or an ISO date. */
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
}

function timeOf(flag: string, value: string | undefined, now: number): number | undefined {
  if (value === undefined) return undefined;
  const ms = parseDuration(value);
  if (ms !== undefined) return now - ms;
  const date = Date.parse(value);
  if (Number.isNaN(date)) throw new UsageError(`${flag}: "${value}" is neither a duration (30m, 24h) nor a date (2026-01-31T12:00:00Z)`);
  return date;
}

/** Reads identity decisions, newest first, from the store the config names. */
export async function readAuditLog(configFile: string, options: AuditLogOptions = {}): Promise<StoredRecord[]> {
  if (options.decision !== undefined && options.decision !== 'allow' && options.decision !== 'deny') throw new UsageError('--decision must be allow or deny');
  const limit = options.limit === undefined ? 100 : Number(options.limit);
  if (!Number.isInteger(limit) || limit < 1 || limit > 10_000) throw new UsageError('--limit must be a whole number from 1 to 10000');
  const now = Date.now();
  const since = timeOf('--since', options.since, now);
  const until = timeOf('--until', options.until, now);
  const query: DecisionQuery = {
    ...(options.identity === undefined ? {} : { identity: options.identity }),
    ...(options.operation === undefined ? {} : { operation: options.operation }),
    ...(options.decision === undefined ? {} : { decision: options.decision as 'allow' | 'deny' }),
    ...(options.api === undefined ? {} : { api: options.api }),
    ...(since === undefined ? {} : { since }),
    ...(until === undefined ? {} : { until }),
    limit,
  };
  const opened = await openConfig(configFile, { sections: ['store', 'identity'] });
  try {
    return await queryDecisions(opened.store.records, opened.config.identity.audit.stream, query);
  } finally {
    await opened.close();
  }
}

function line(r: StoredRecord): string {
  const d = r.data;
  return [d.at, String(d.decision).toUpperCase() + (d.mode === 'monitor' ? ' (monitor)' : ''), `${String(d.kind)}:${String(d.identity)}`, `${String(d.api)}/${String(d.operation)}`, d.policy, d.rule, d.reason, d.requestId].map(String).join('\t');
}

export function registerAuditLog(program: Command): void {
  program
    .command('audit-log')
    .description('query the identity decision trail (every allow and deny, with who, what, rule and why)')
    .option('--identity <subject>', 'only this caller')
    .option('--operation <id>', 'only this operation')
    .option('--decision <allow|deny>', 'only allows or denies')
    .option('--api <name>', 'only this API')
    .option('--since <time>', 'from a duration ago (1h) or an ISO date')
    .option('--until <time>', 'up to a duration ago or an ISO date')
    .option('--limit <n>', 'at most this many records (newest first)', '100')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'config file (its store holds the trail)', 'gatehouse.yaml')
    .action(async (o: AuditLogOptions & { format: string; config: string }) => guarded(async () => {
      const records = await readAuditLog(o.config, o);
      process.stdout.write(o.format === 'json' ? `${JSON.stringify(records.map((r) => r.data), null, 2)}\n` : records.map((r) => `${line(r)}\n`).join(''));
    }));
}
