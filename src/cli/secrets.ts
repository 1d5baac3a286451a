/**
 * `gatehouse secrets set|get|list|rotate|revoke|delete|rekey` over the local encrypted store.
 * Values are read from standard input or a file, never from the command line (argv is visible
 * to every user of the machine through ps and shell history).
 * Exit codes: 0 done; 1 the secret is missing, revoked or rotated out; 2 usage error, missing or
 * wrong key, or an unreadable or tampered store.
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parseDuration } from '../config/units.js';
import { SecretError, SecretStore, generateSecret, loadKeyRing, type Env } from '../secrets/index.js';

export interface SecretsCliOptions {
  readonly store?: string;
  readonly version?: string;
  readonly overlap?: string;
  readonly generate?: boolean;
  readonly stdin?: boolean;
  readonly fromFile?: string;
  readonly format?: string;
}

export interface SecretsIo {
  readonly env: Env;
  readStdin(): Promise<string>;
  write(s: string): void;
  error(s: string): void;
}

export const DEFAULT_STORE_FILE = 'gatehouse.secrets.json';

export async function runSecrets(action: string, name: string | undefined, opts: SecretsCliOptions, io: SecretsIo): Promise<0 | 1 | 2> {
  const file = opts.store ?? io.env.GATEHOUSE_SECRETS_FILE ?? DEFAULT_STORE_FILE;
  const needsName = action !== 'list' && action !== 'rekey';
  if (needsName && (name === undefined || name === '')) return fail(io, 2, `${action}: give the secret NAME`);
  const version = opts.version === undefined ? undefined : Number(opts.version);
  if (version !== undefined && !(Number.isInteger(version) && version > 0)) return fail(io, 2, `--version must be a positive integer (got "${opts.version ?? ''}")`);
  if (opts.format !== undefined && opts.format !== 'text' && opts.format !== 'json') return fail(io, 2, `--format must be text or json (got "${opts.format}")`);
  const overlapMs = parseDuration(opts.overlap ?? '24h');
  if (overlapMs === undefined) return fail(io, 2, `--overlap must be a duration such as 30m, 24h or 7d (got "${opts.overlap ?? ''}")`);
  try {
    const store = new SecretStore({ file, keys: loadKeyRing(io.env) });
    const n = name as string;
    switch (action) {
      case 'set': {
        const v = await store.set(n, await valueFrom(opts, io, false));
        io.error(`secret "${n}" set (version ${v}); earlier versions are no longer accepted\n`);
        return 0;
      }
      case 'get':
        io.write(`${version === undefined ? await store.get(n) : await store.getVersion(n, version)}\n`);
        return 0;
      case 'list': {
        const all = await store.list();
        if (opts.format === 'json') io.write(JSON.stringify(all, null, 2) + '\n');
        else if (all.length === 0) io.write(`no secrets in ${file}\n`);
        else for (const s of all) io.write(`${s.name}\t${s.versions.map((v) => `v${v.version} ${v.state}${v.notAfter !== undefined && v.state === 'overlap' ? ` until ${v.notAfter}` : ''}`).join(', ')}\n`);
        return 0;
      }
      case 'rotate': {
        const r = await store.rotate(n, { value: await valueFrom(opts, io, true), overlapMs });
        io.error(`secret "${n}" rotated to version ${r.version}; the previous version is accepted until ${r.previousValidUntil}\n`);
        return 0;
      }
      case 'revoke': {
        const done = await store.revoke(n, version);
        io.error(done.length === 0 ? `secret "${n}": nothing left to revoke\n` : `secret "${n}": revoked version(s) ${done.join(', ')}\n`);
        return 0;
      }
      case 'delete':
        if (!(await store.delete(n))) return fail(io, 1, `secret "${n}" is not in ${file}`);
        io.error(`secret "${n}" deleted\n`);
        return 0;
      case 'rekey':
        io.error(`${await store.rekey()} envelope(s) re-encrypted under the current key\n`);
        return 0;
      default:
        return fail(io, 2, `unknown action "${action}"`);
    }
  } catch (err) {
    // The store file itself (a folder, no permission): unreadable input, named by its option.
    const errno = (err as NodeJS.ErrnoException).code;
    if (!(err instanceof SecretError) && typeof errno === 'string' && /^E[A-Z]+$/.test(errno)) return fail(io, 2, `--store ${file}: cannot read or write (${errno})`);
    if (!(err instanceof SecretError)) throw err;
    const missing = err.code === 'GH_SECRET_NOT_FOUND' || err.code === 'GH_SECRET_REVOKED' || err.code === 'GH_SECRET_EXPIRED';
    return fail(io, missing ? 1 : 2, err.message);
  }
}

async function valueFrom(opts: SecretsCliOptions, io: SecretsIo, generateByDefault: boolean): Promise<string> {
  const sources = [opts.generate === true, opts.stdin === true, opts.fromFile !== undefined].filter(Boolean).length;
  if (sources > 1) throw new SecretError('GH_SECRET_REF_INVALID', 'give one of --generate, --stdin or --from-file');
  if (opts.generate === true || (sources === 0 && generateByDefault)) return generateSecret();
  const raw = opts.fromFile !== undefined ? await readFile(opts.fromFile, 'utf8').catch(() => {
    throw new SecretError('GH_SECRET_REF_INVALID', `--from-file ${opts.fromFile ?? ''}: cannot read`);
  }) : await io.readStdin();
  const value = raw.replace(/\r?\n$/, '');
  if (value === '') throw new SecretError('GH_SECRET_REF_INVALID', 'the value is empty (pipe it on standard input, or use --from-file or --generate)');
  return value;
}

function fail<C extends 1 | 2>(io: SecretsIo, code: C, message: string): C {
  io.error(`gatehouse secrets: ${message}\n`);
  return code;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

export function registerSecrets(program: Command): void {
  const secrets = program
    .command('secrets')
    .description('the local encrypted secret store (AES-256-GCM; key from GATEHOUSE_SECRETS_KEY or GATEHOUSE_SECRETS_KEY_FILE)');
  const io: SecretsIo = { env: process.env, readStdin, write: (s) => process.stdout.write(s), error: (s) => process.stderr.write(s) };
  const sub = (name: string, description: string, withName = true): Command => {
    const c = secrets.command(name).description(description)
      .option('--store <file>', `store file (default: $GATEHOUSE_SECRETS_FILE or ${DEFAULT_STORE_FILE})`);
    if (withName) c.argument('<name>', 'secret name');
    return c;
  };
  const act = (action: string) => async (...args: unknown[]): Promise<void> => {
    const name = typeof args[0] === 'string' ? args[0] : undefined;
    const opts = (typeof args[0] === 'string' ? args[1] : args[0]) as SecretsCliOptions;
    process.exitCode = await runSecrets(action, name, opts, io);
  };
  sub('set', 'store a value (read from standard input) as the new version; earlier versions stop being accepted')
    .option('--generate', 'store a new random value (32 bytes, base64url) instead')
    .option('--from-file <file>', 'read the value from a file').action(act('set'));
  sub('get', 'print the current value').option('--version <n>', 'a specific version (refused once rotated out or revoked)').action(act('get'));
  sub('list', 'names, versions and their state (never values)', false).option('--format <format>', 'text or json').action(act('list'));
  sub('rotate', 'add a new version; the previous one stays accepted for the overlap window')
    .option('--overlap <duration>', 'how long the previous version stays accepted', '24h')
    .option('--stdin', 'read the new value from standard input (default: generate one)')
    .option('--from-file <file>', 'read the new value from a file')
    .option('--generate', 'generate the new value (the default)').action(act('rotate'));
  sub('revoke', 'destroy a version (default: every version) at once').option('--version <n>', 'only this version').action(act('revoke'));
  sub('delete', 'remove a secret and all its versions').action(act('delete'));
  sub('rekey', 're-encrypt every version under the current key (after setting GATEHOUSE_SECRETS_PREVIOUS_KEY)', false).action(act('rekey'));
}
