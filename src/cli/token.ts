import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, parseDuration } from '../config/index.js';
import { ConfigError, GatehouseError, formatProblem } from '../errors/index.js';
import { mintToken } from '../identity/signing-key.js';
import { KEY_FILE_ERROR, SigningKeyRing, type RingKey } from '../identity/signing-keyring.js';
import { guarded, UsageError } from './common.js';

export interface DevTokenOptions {
  readonly config?: string;
  readonly key?: string;
  readonly sub: string;
  readonly scope?: string;
  readonly role?: readonly string[];
  readonly aud?: string;
  readonly iss?: string;
  readonly ttl?: string;
  readonly claim?: readonly string[];
}

/** The dev issuer refuses to mint long-lived tokens: the gateway's default maxTokenLifetime is 1 h. */
const MAX_TTL_MS = 3_600_000;
const DEFAULT_KEY = '.gatehouse/signing.jwk';
const DEFAULT_TTL_MS = 15 * 60_000;

interface Settings { keyFile: string; issuer: string; audience: string; rotateEveryMs: number | undefined; maxTokenLifetimeMs: number }

async function signingSettings(options: { config?: string; key?: string }): Promise<Settings> {
  if (options.config !== undefined) {
    let signing;
    try {
      signing = (await loadConfig(options.config)).identity.signing;
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`${options.config}: ${error.problems.length} error(s)\n${error.problems.map(formatProblem).join('\n')}`);
      throw error;
    }
    if (signing === undefined) throw new UsageError(`${options.config} has no identity.signing section`);
    return { ...signing, keyFile: options.key === undefined ? signing.keyFile : path.resolve(options.key) };
  }
  return { keyFile: path.resolve(options.key ?? DEFAULT_KEY), issuer: 'urn:gatehouse:local', audience: 'gatehouse', rotateEveryMs: undefined, maxTokenLifetimeMs: MAX_TTL_MS };
}

/** The key ring (made on first use); rotated first when its schedule says so, as a gateway would. */
async function ringOf(settings: Settings): Promise<SigningKeyRing> {
  try {
    const ring = await SigningKeyRing.open(settings.keyFile, { create: true, rotateEveryMs: settings.rotateEveryMs, maxTokenTtlMs: settings.maxTokenLifetimeMs });
    await ring.rotateIfDue();
    return ring;
  } catch (error) {
    // A key file that is a folder, unreadable or malformed is bad input, not a failure of the command.
    if (error instanceof GatehouseError && error.code === KEY_FILE_ERROR) throw new UsageError(error.message);
    throw error;
  }
}

/** Mints a short-lived token from the local signing key (made on first use). For the demo and tests only. */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const settings = await signingSettings(options);
  const ttlMs = options.ttl === undefined ? Math.min(DEFAULT_TTL_MS, settings.maxTokenLifetimeMs) : parseDuration(options.ttl);
  if (ttlMs === undefined || ttlMs < 1000) throw new UsageError(`--ttl: "${options.ttl ?? ''}" is not a duration such as 5m`);
  if (ttlMs > MAX_TTL_MS) throw new UsageError('--ttl: at most 1h (tokens are meant to be short-lived)');
  if (ttlMs > settings.maxTokenLifetimeMs) throw new UsageError(`--ttl: at most identity.signing.maxTokenLifetime (${settings.maxTokenLifetimeMs / 1000}s): a rotated key is published only that long`);
  const claims: Record<string, unknown> = {};
  for (const c of options.claim ?? []) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim: "${c}" must be name=value (value parsed as JSON when it is JSON)`);
    const raw = c.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string */ }
    claims[c.slice(0, eq)] = value;
  }
  const key = (await ringOf(settings)).current();
  return mintToken(key, {
    issuer: options.iss ?? settings.issuer,
    audience: options.aud ?? settings.audience,
    subject: options.sub,
    ttlSeconds: Math.round(ttlMs / 1000),
    scopes: options.scope === undefined ? [] : options.scope.split(/[\s,]+/).filter((s) => s !== ''),
    roles: options.role ?? [],
    claims,
  });
}

/** The public key set of the local key ring (every key still valid), for `jwks: file:...` in an issuer entry. */
export async function devJwks(options: { config?: string; key?: string }): Promise<string> {
  return JSON.stringify((await ringOf(await signingSettings(options))).publicJwks(), null, 2);
}

/** Makes a new current signing key at once; the previous ones stay published until their tokens expire. */
export async function rotateSigningKey(options: { config?: string; key?: string }): Promise<{ current: RingKey; retired: RingKey[] }> {
  const ring = await ringOf(await signingSettings(options));
  const current = await ring.rotate();
  return { current, retired: ring.keys().filter((k) => k !== current) };
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerToken(program: Command): void {
  program
    .command('token')
    .description('mint a short-lived access token from the local signing key (demo and tests only)')
    .option('-c, --config <file>', 'config whose identity.signing names the key, issuer and audience')
    .option('--key <file>', `private signing key (JWK); created when missing (default ${DEFAULT_KEY})`)
    .option('--sub <subject>', 'the sub claim', 'dev-user')
    .option('--scope <scopes>', 'space- or comma-separated scopes')
    .option('--role <role>', 'a role (repeatable)', collect)
    .option('--aud <audience>', 'audience (default: identity.signing.audience)')
    .option('--iss <issuer>', 'issuer (default: identity.signing.issuer)')
    .option('--ttl <duration>', 'lifetime, at most 1h and identity.signing.maxTokenLifetime (default 15m or that maximum)')
    .option('--claim <name=value>', 'an extra claim, value as JSON or text (repeatable)', collect)
    .option('--jwks', 'print the public JWKS instead of a token')
    .action(async (options: DevTokenOptions & { jwks?: boolean }) => guarded(async () => {
      process.stdout.write(`${options.jwks === true ? await devJwks(options) : await mintDevToken(options)}\n`);
    }))
    .command('rotate')
    .description('make a new signing key now; older keys stay in the published JWKS until their tokens expire')
    .option('-c, --config <file>', 'config whose identity.signing names the key')
    .option('--key <file>', `private signing key ring (default ${DEFAULT_KEY})`)
    .action(async (own: { config?: string; key?: string }, command: Command) => guarded(async () => {
      // `token` has the same options: written before `rotate` (`token -c FILE rotate`) they are the parent's.
      const parent = command.parent?.opts<{ config?: string; key?: string }>() ?? {};
      const config = own.config ?? parent.config;
      const key = own.key ?? parent.key;
      const { current, retired } = await rotateSigningKey({ ...(config === undefined ? {} : { config }), ...(key === undefined ? {} : { key }) });
      process.stdout.write(`${current.kid}\n`);
      process.stderr.write(`signing key ${current.kid} is current; ${retired.length} older key(s) kept for verification until their tokens expire\n`);
    }));
}
