import { userInfo } from 'node:os';
import { Option, type Command } from 'commander';
import { REVOCATION_KINDS, RevocationList, revocationValue, type Revocation, type RevocationKind } from '../anomaly/revocations.js';
import { choiceArg, durationArg, guarded, integerArg, openConfig, openForWrite, UsageError, type Opened } from './common.js';

function kindOf(value: string): RevocationKind {
  return choiceArg('KIND', value, REVOCATION_KINDS);
}

/** The value as the gateway compares it; an `ip` must be an address or CIDR range. */
function valueOf(kind: RevocationKind, value: string): string {
  const checked = revocationValue(kind, value);
  if ('problem' in checked) throw new UsageError(`${kind}: ${checked.problem}`);
  return checked.value;
}

function operator(): string {
  try { return `cli:${userInfo().username}`; } catch { return 'cli'; }
}

/** Runs `body` with the revocation list of the config's store; the store is closed after. */
async function withList<T>(opening: Promise<Opened>, body: (list: RevocationList) => Promise<T>): Promise<T> {
  const opened = await opening;
  try {
    return await body(new RevocationList(opened.store));
  } finally {
    await opened.close();
  }
}

export function listRevocations(configFile: string): Promise<Revocation[]> {
  return withList(openConfig(configFile, { sections: ['store'] }), (list) => list.list());
}

export async function addRevocation(configFile: string, kind: string, value: string, options: { for?: string; reason?: string; throttle?: number } = {}): Promise<Revocation> {
  const k = kindOf(kind);
  const v = valueOf(k, value);
  const expiresAt = options.for === undefined ? undefined : Date.now() + durationArg('--for', options.for);
  const entry: Revocation = {
    kind: k, value: v, action: options.throttle === undefined ? 'block' : 'throttle',
    ...(options.throttle === undefined ? {} : { perMinute: options.throttle }),
    reason: options.reason ?? 'added by an operator', by: operator(), createdAt: Date.now(),
    ...(expiresAt === undefined ? {} : { expiresAt }),
  };
  return withList(openForWrite(configFile, 'a revocation'), async (list) => { await list.add(entry); return entry; });
}

export async function removeRevocation(configFile: string, kind: string, value: string): Promise<boolean> {
  const k = kindOf(kind);
  const v = valueOf(k, value);
  return withList(openForWrite(configFile, 'a removal'), (list) => list.remove(k, v, operator()));
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
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
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
    .option('--throttle <perMinute>', 'throttle to N requests a minute instead of blocking')
    .option('--reason <text>', 'why (kept in the audit trail)')
    .action(async (kind: string, value: string, options: { config: string; for?: string; throttle?: string; reason?: string }) => {
      await guarded(async () => {
        const throttle = options.throttle === undefined ? undefined : integerArg('--throttle', options.throttle, 1, 1_000_000);
        const entry = await addRevocation(options.config, kind, value, {
          ...(options.for === undefined ? {} : { for: options.for }), ...(options.reason === undefined ? {} : { reason: options.reason }), ...(throttle === undefined ? {} : { throttle }),
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
