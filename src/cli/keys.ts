import { Option, type Command } from 'commander';
import { ApiKeyStore, type ApiKeyInfo } from '../identity/api-keys.js';
import { durationArg, guarded, openConfig, openForWrite, UsageError, type Opened } from './common.js';

async function withKeys<T>(opening: Promise<Opened>, body: (keys: ApiKeyStore) => Promise<T>): Promise<T> {
  const opened = await opening;
  try {
    return await body(new ApiKeyStore(opened.store.kv, { pubsub: opened.store.pubsub }));
  } finally {
    await opened.close();
  }
}

function durationOf(flag: string, value: string | undefined): number | undefined {
  return value === undefined ? undefined : durationArg(flag, value);
}

/** Writes go to a store every gateway reads: a key made in a memory store would exist nowhere. */
const forWrite = (configFile: string): Promise<Opened> => openForWrite(configFile, 'an API key');

const list = (value: string | undefined): string[] => value === undefined ? [] : value.split(/[\s,]+/).filter((s) => s !== '');

export async function createKey(configFile: string, options: { name: string; scopes?: string; roles?: string; expires?: string }): Promise<{ key: string; info: ApiKeyInfo }> {
  const ttlMs = durationOf('--expires', options.expires);
  return withKeys(forWrite(configFile), async (keys) => {
    const { key, record } = await keys.create({ name: options.name, scopes: list(options.scopes), roles: list(options.roles), ...(ttlMs === undefined ? {} : { ttlMs }) });
    return { key, info: keys.info(record) };
  });
}

export function listKeys(configFile: string): Promise<ApiKeyInfo[]> {
  return withKeys(openConfig(configFile, { sections: ['store'] }), (keys) => keys.list());
}

export function revokeKey(configFile: string, id: string): Promise<boolean> {
  return withKeys(forWrite(configFile), (keys) => keys.revoke(id));
}

export async function rotateKey(configFile: string, id: string, options: { overlap?: string; expires?: string }): Promise<{ key: string; info: ApiKeyInfo } | undefined> {
  const overlapMs = durationOf('--overlap', options.overlap ?? '24h') ?? 0;
  const ttlMs = durationOf('--expires', options.expires);
  return withKeys(forWrite(configFile), async (keys) => {
    const next = await keys.rotate(id, overlapMs, ttlMs);
    return next === undefined ? undefined : { key: next.key, info: keys.info(next.record) };
  });
}

function line(k: ApiKeyInfo): string {
  const date = (ms: number | undefined) => ms === undefined ? '-' : new Date(ms).toISOString();
  return [k.id, k.status, k.name, k.scopes.join(' ') || '-', `created ${date(k.createdAt)}`, `expires ${date(k.expiresAt)}`, k.rotatedTo === undefined ? '' : `rotated to ${k.rotatedTo}`].join('\t').trimEnd();
}

export function registerKeys(program: Command): void {
  const keys = program.command('keys').description('issue, list, rotate and revoke API keys (stored hashed)');
  keys.command('create')
    .description('issue a key; it is shown once and stored only as a hash')
    .requiredOption('--name <name>', 'who or what holds the key (becomes the identity subject)')
    .option('--scopes <scopes>', 'comma- or space-separated scopes')
    .option('--roles <roles>', 'comma- or space-separated roles')
    .option('--expires <duration>', 'lifetime such as 90d')
    .option('-c, --config <file>', 'config file (its store holds the keys)', 'gatehouse.yaml')
    .action(async (o: { name: string; scopes?: string; roles?: string; expires?: string; config: string }) => guarded(async () => {
      const { key, info } = await createKey(o.config, o);
      process.stdout.write(`${key}\n`);
      process.stderr.write(`key ${info.id} for ${info.name} created; store it now, it cannot be shown again\n`);
    }));
  keys.command('list')
    .description('list keys (never their secrets)')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .action(async (o: { format: string; config: string }) => guarded(async () => {
      const all = await listKeys(o.config);
      process.stdout.write(o.format === 'json' ? `${JSON.stringify(all, null, 2)}\n` : all.map((k) => `${line(k)}\n`).join(''));
    }));
  keys.command('rotate <id>')
    .description('issue a successor with the same name and scopes; the old key keeps working for the overlap')
    .option('--overlap <duration>', 'how long the old key stays valid', '24h')
    .option('--expires <duration>', 'lifetime of the new key')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .action(async (id: string, o: { overlap: string; expires?: string; config: string }) => guarded(async () => {
      const next = await rotateKey(o.config, id, o);
      if (next === undefined) throw new UsageError(`no active key ${id}`);
      process.stdout.write(`${next.key}\n`);
      process.stderr.write(`key ${next.info.id} replaces ${id}; ${id} expires in ${o.overlap}\n`);
    }));
  keys.command('revoke <id>')
    .description('revoke a key at once on every gateway sharing the store')
    .option('-c, --config <file>', 'config file', 'gatehouse.yaml')
    .action(async (id: string, o: { config: string }) => guarded(async () => {
      if (!await revokeKey(o.config, id)) throw new UsageError(`no key ${id}`);
      process.stderr.write(`key ${id} revoked\n`);
    }));
}
