import { userInfo } from 'node:os';
import type { Command } from 'commander';
import { parseDuration } from '../config/index.js';
import { REVOCATION_KINDS, RevocationList, type Revocation, type RevocationKind } from '../anomaly/revocations.js';
import { guarded, openConfig, UsageError } from './inventory.js';

function kindOf(value: string): RevocationKind {
  if (!(REVOCATION_KINDS as readonly string[]).includes(value)) throw new UsageError(`kind must be one of ${REVOCATION_KINDS.join(', ')}`);
  return value as RevocationKind;
}

function operator(): string {
  try { return `cli:${userInfo().username}`; } catch { return 'cli'; }
}

/** Runs `body` with the revocation list of the config's store; the store is closed after. */
async function withList<T>(configFile: string, body: (list: RevocationList) => Promise<T>): Promise<T> {
  const opened = await openConfig(configFile, { sections: ['store'] });
  try {
    return await body(new RevocationList(opened.store));
  } finally {
    await opened.close();
  }
}

export function listRevocations(configFile: string): Promise<Revocation[]> {
  return withList(configFile, (list) => list.list());
}

export function addRevocation(configFile: string, kind: string, value: string, options: { for?: string; reason?: string; throttle?: number } = {}): Promise<Revocation> {
  const k = kindOf(kind);
  let expiresAt: number | undefined;
  if (options.for !== undefined) {
    const ms = parseDuration(options.for);
    if (ms === undefined || ms === 0) throw new UsageError(`--for: "${options.for}" is not a duration such as 15m, 24h`);
    expiresAt = Date.now() + ms;
  }
  const entry: Revocation = {
    kind: k, value, action: options.throttle === undefined ? 'block' : 'throttle',
    ...(options.throttle === undefined ? {} : { perMinute: options.throttle }),
    reason: options.reason ?? 'added by an operator', by: operator(), createdAt: Date.now(),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
  return withList(configFile, async (list) => { await list.add(entry); return entry; });
}

export function removeRevocation(configFile: string, kind: string, value: string): Promise<boolean> {
  const k = kindOf(kind);
  return withList(configFile, (list) => list.remove(k, value, operator()));
}

function describe(r: Revocation): string {
  const until = r.expiresAt === undefined ? 'until removed' : `until ${new Date(r.expiresAt).toISOString()}`;
  return `${r.kind.padEnd(10)} ${r.value.padEnd(28)} ${r.action === 'throttle' ? `throttle ${r.perMinute ?? ''}/min` : 'block'}  ${until}  by ${r.by}: ${r.reason}`;
}

export function registerRevocations(program: Command): void {
  const cmd = program
    .command('revocations')
    .description('blocked addresses and revoked identities, keys and tokens (automatic responses and manual ones)');
  cmd.command('list')
    .description('list live revocations')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('-f, --format <format>', 'text or json', 'text')
    .action(async (options: { config: string; format: string }) => {
      await guarded(async () => {
        const all = await listRevocations(options.config);
        process.stdout.write(options.format === 'json' ? `${JSON.stringify(all, null, 2)}\n` : all.length === 0 ? 'no revocations\n' : `${all.map(describe).join('\n')}\n`);
      });
    });
  cmd.command('add')
    .description('block or throttle an ip, subject, credential (API key id) or jti; every gateway applies it')
    .argument('<kind>', REVOCATION_KINDS.join(' | '))
    .argument('<value>', 'the address, subject, key id or token id')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .option('--for <duration>', 'lift it automatically after this long')
    .option('--throttle <perMinute>', 'throttle to N requests a minute instead of blocking', (v) => Number(v))
    .option('--reason <text>', 'why (kept in the audit trail)')
    .action(async (kind: string, value: string, options: { config: string; for?: string; throttle?: number; reason?: string }) => {
      await guarded(async () => {
        if (options.throttle !== undefined && (!Number.isInteger(options.throttle) || options.throttle < 1)) throw new UsageError('--throttle must be a positive integer');
        const entry = await addRevocation(options.config, kind, value, {
          ...(options.for === undefined ? {} : { for: options.for }), ...(options.reason === undefined ? {} : { reason: options.reason }), ...(options.throttle === undefined ? {} : { throttle: options.throttle }),
        });
        process.stdout.write(`added: ${describe(entry)}\n`);
      });
    });
  cmd.command('remove')
    .description('lift a block or revocation (automatic ones included); audited')
    .argument('<kind>', REVOCATION_KINDS.join(' | '))
    .argument('<value>', 'the address, subject, key id or token id')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .action(async (kind: string, value: string, options: { config: string }) => {
      await guarded(async () => {
        const removed = await removeRevocation(options.config, kind, value);
        process.stdout.write(removed ? `removed ${kind} ${value}\n` : `no revocation for ${kind} ${value}\n`);
        if (!removed) process.exitCode = 1;
      });
    });
}
