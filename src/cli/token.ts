import path from 'node:path';
import type { Command } from 'commander';
import { loadConfig, parseDuration } from '../config/index.js';
import { ConfigError, formatProblem } from '../errors/index.js';
import { loadSigningKey, mintToken, publicJwks } from '../identity/signing-key.js';
import { guarded, UsageError } from './inventory.js';

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

async function signingSettings(options: { config?: string; key?: string }): Promise<{ keyFile: string; issuer: string; audience: string }> {
  if (options.config !== undefined) {
    let signing;
    try {
      signing = (await loadConfig(options.config)).identity.signing;
    } catch (error) {
      if (error instanceof ConfigError) throw new UsageError(`${options.config}: ${error.problems.length} error(s)\n${error.problems.map(formatProblem).join('\n')}`);
      throw error;
    }
    if (signing === undefined) throw new UsageError(`${options.config} has no identity.signing section`);
    return { keyFile: options.key === undefined ? signing.keyFile : path.resolve(options.key), issuer: signing.issuer, audience: signing.audience };
  }
  return { keyFile: path.resolve(options.key ?? DEFAULT_KEY), issuer: 'urn:gatehouse:local', audience: 'gatehouse' };
}

/** Mints a short-lived token from the local signing key (made on first use). For the demo and tests only. */
export async function mintDevToken(options: DevTokenOptions): Promise<string> {
  const settings = await signingSettings(options);
  const ttlMs = parseDuration(options.ttl ?? '15m');
  if (ttlMs === undefined || ttlMs < 1000) throw new UsageError(`--ttl: "${options.ttl ?? ''}" is not a duration such as 5m`);
  if (ttlMs > MAX_TTL_MS) throw new UsageError('--ttl: at most 1h (tokens are meant to be short-lived)');
  const claims: Record<string, unknown> = {};
  for (const c of options.claim ?? []) {
    const eq = c.indexOf('=');
    if (eq <= 0) throw new UsageError(`--claim: "${c}" must be name=value (value parsed as JSON when it is JSON)`);
    const raw = c.slice(eq + 1);
    let value: unknown = raw;
    try { value = JSON.parse(raw); } catch { /* a plain string */ }
    claims[c.slice(0, eq)] = value;
  }
  const key = await loadSigningKey(settings.keyFile, { create: true });
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

/** The public key set of the local signing key, for `jwks: file:...` in an issuer entry. */
export async function devJwks(options: { config?: string; key?: string }): Promise<string> {
  const settings = await signingSettings(options);
  return JSON.stringify(publicJwks(await loadSigningKey(settings.keyFile, { create: true })), null, 2);
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
    .option('--ttl <duration>', 'lifetime, at most 1h', '15m')
    .option('--claim <name=value>', 'an extra claim, value as JSON or text (repeatable)', collect)
    .option('--jwks', 'print the public JWKS instead of a token')
    .action(async (options: DevTokenOptions & { jwks?: boolean }) => guarded(async () => {
      process.stdout.write(`${options.jwks === true ? await devJwks(options) : await mintDevToken(options)}\n`);
    }));
}
