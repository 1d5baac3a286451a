import { readFile } from 'node:fs/promises';
import { createLocalJWKSet, errors, type JSONWebKeySet, type JWK, type JWTVerifyGetKey } from 'jose';

/** Where an issuer's keys come from. */
export type JwksSource =
  | { readonly kind: 'url'; readonly url: string }
  | { readonly kind: 'file'; readonly path: string }
  /** OIDC discovery / RFC 8414 metadata of the issuer, whose `jwks_uri` names the key set. */
  | { readonly kind: 'discovery'; readonly issuer: string };

export interface JwksOptions {
  /** Least time between two refreshes triggered by an unknown `kid`: bounds what an attacker can make us fetch. */
  readonly cooldownMs: number;
  /** After this, keys are refreshed in the background while the cached ones keep serving. */
  readonly maxAgeMs: number;
  readonly timeoutMs: number;
  readonly now?: () => number;
  /** Told about every failed fetch (the log); never about a token. */
  readonly onError?: (reason: string) => void;
}

/** The issuer's keys cannot be loaded at all (first load failed): requests fail closed with 503. */
export class JwksUnavailableError extends Error {
  readonly code = 'GH_JWKS_UNAVAILABLE';
}

/** The token names a key the issuer does not publish, even after a refresh (or the refresh was refused). */
export class UnknownKeyError extends Error {
  readonly code = 'GH_JWKS_UNKNOWN_KEY';
}

const MAX_JWKS_BYTES = 512 * 1024;
/** Members of private or symmetric keys: a published key set must never carry them. */
const PRIVATE_MEMBERS = ['d', 'p', 'q', 'dp', 'dq', 'qi', 'oth', 'k'] as const;

/**
 * One issuer's key set, cached. Keys are fetched once, served from memory, refreshed in the
 * background when old, and refreshed at once (at most every `cooldownMs`) when a token names a
 * `kid` we do not hold: rotation at the IdP is picked up without a restart, and a stream of
 * forged `kid`s costs the IdP at most one fetch per cooldown. While the IdP is down the cached
 * keys keep working; an unknown `kid` then fails closed. `generation` changes whenever the key
 * set changes, so caches of verified tokens can drop tokens signed by a key that has left.
 */
export class JwksCache {
  generation = 0;
  private keys: JWTVerifyGetKey | undefined;
  private kids = new Set<string>();
  private fingerprint = '';
  private fetchedAt = -Infinity;
  private lastAttempt = -Infinity;
  private inflight: Promise<boolean> | undefined;
  private jwksUri: string | undefined;
  private readonly now: () => number;

  constructor(private readonly source: JwksSource, private readonly options: JwksOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The key-resolver jose calls during verification. */
  readonly getKey: JWTVerifyGetKey = async (header, token) => {
    const now = this.now();
    if (this.keys === undefined) {
      if (!await this.refresh()) throw new JwksUnavailableError('the issuer key set could not be loaded');
    } else if (now - this.fetchedAt > this.options.maxAgeMs && now - this.lastAttempt > this.options.cooldownMs) {
      // Old keys keep serving while fresh ones load; a failure leaves them in place.
      void this.refresh();
    }
    if (header.kid !== undefined && !this.kids.has(header.kid)) {
      if (now - this.lastAttempt < this.options.cooldownMs) throw new UnknownKeyError('unknown kid (refresh on cooldown)');
      await this.refresh();
      if (!this.kids.has(header.kid)) throw new UnknownKeyError('unknown kid');
    }
    return (this.keys as JWTVerifyGetKey)(header, token);
  };

  /** Loads the key set now; true when it succeeded. Concurrent callers share one fetch. */
  refresh(): Promise<boolean> {
    this.inflight ??= this.load().finally(() => { this.inflight = undefined; });
    return this.inflight;
  }

  private async load(): Promise<boolean> {
    this.lastAttempt = this.now();
    try {
      const set = sanitize(await this.fetchSet());
      const fingerprint = JSON.stringify(set.keys);
      if (fingerprint !== this.fingerprint) {
        this.keys = createLocalJWKSet(set);
        this.kids = new Set(set.keys.map((k) => k.kid).filter((k): k is string => typeof k === 'string'));
        this.fingerprint = fingerprint;
        this.generation++;
      }
      this.fetchedAt = this.now();
      return true;
    } catch (error) {
      this.options.onError?.((error as Error).message);
      return false;
    }
  }

  private async fetchSet(): Promise<JSONWebKeySet> {
    const source = this.source;
    if (source.kind === 'file') return parseSet(await readFile(source.path, 'utf8'), source.path);
    if (source.kind === 'url') return parseSet(await this.fetchText(source.url), source.url);
    this.jwksUri ??= await this.discover(source.issuer);
    return parseSet(await this.fetchText(this.jwksUri), this.jwksUri);
  }

  private async discover(issuer: string): Promise<string> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    let metadata: Record<string, unknown>;
    try {
      metadata = JSON.parse(await this.fetchText(url)) as Record<string, unknown>;
    } catch (error) {
      throw new Error(`discovery at ${url} failed: ${(error as Error).message}`);
    }
    // The metadata must name the issuer we asked about (RFC 8414 §3.3, OIDC Discovery §4.3):
    // otherwise one IdP could hand out another's key set (mix-up).
    if (metadata.issuer !== issuer) throw new Error(`discovery at ${url} names issuer ${String(metadata.issuer)}, expected ${issuer}`);
    if (typeof metadata.jwks_uri !== 'string') throw new Error(`discovery at ${url} has no jwks_uri`);
    return metadata.jwks_uri;
  }

  private async fetchText(url: string): Promise<string> {
    const response = await fetch(url, { signal: AbortSignal.timeout(this.options.timeoutMs), redirect: 'error', headers: { accept: 'application/json' } });
    if (!response.ok) throw new Error(`${url} answered ${response.status}`);
    const text = await response.text();
    if (text.length > MAX_JWKS_BYTES) throw new Error(`${url} answered more than ${MAX_JWKS_BYTES} bytes`);
    return text;
  }
}

function parseSet(text: string, where: string): JSONWebKeySet {
  const set = setOf(text);
  if (typeof set === 'string') throw new Error(`${where} ${set}`);
  return set;
}

/** The key set in `text`, or what is wrong with it. */
function setOf(text: string): JSONWebKeySet | string {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return 'is not JSON';
  }
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return 'is not a JWK set (no "keys" array)';
  return { keys: keys.filter((k): k is JWK => k !== null && typeof k === 'object') };
}

/**
 * What keeps a `file:` key set from verifying any token of its issuer, or undefined when it
 * can: for `gatehouse check-config`, so a missing or broken file is found before the first
 * bearer request fails closed with 503. The keys are judged as the gateway will use them:
 * sanitized, then selected and imported by jose for one of the issuer's algorithms.
 */
export async function keySetFileProblem(file: string, algorithms: readonly string[]): Promise<string | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    return code === 'ENOENT' ? `key set file not found: ${file}` : `key set file not readable (${code}): ${file}`;
  }
  const set = setOf(text);
  if (typeof set === 'string') return `key set file ${set}: ${file}`;
  const usable = sanitize(set);
  if (usable.keys.length > 0) {
    const getKey = createLocalJWKSet(usable);
    for (const alg of algorithms) {
      if (await resolves(getKey, alg)) return undefined;
    }
  }
  return `key set file has no public key usable with ${algorithms.join(', ')}: ${file}`;
}

/** Whether jose finds (and can import) at least one key of the set for a token signed with `alg`. */
async function resolves(getKey: ReturnType<typeof createLocalJWKSet>, alg: string): Promise<boolean> {
  try {
    await getKey({ alg });
    return true;
  } catch (error) {
    // Several candidates (no kid to choose by): jose yields those that import; one is enough.
    if (error instanceof errors.JWKSMultipleMatchingKeys) for await (const _key of error) return true;
    return false;
  }
}

/**
 * Keeps only public signature keys. A symmetric (`oct`) key in a JWKS would let anyone who can
 * read the JWKS mint tokens, and is how HS256/RS256 key confusion starts; private members are
 * dropped so a misconfigured IdP never turns into a signing key here.
 */
function sanitize(set: JSONWebKeySet): JSONWebKeySet {
  const keys: JWK[] = [];
  for (const key of set.keys) {
    if (key.kty === 'oct' || (key.use !== undefined && key.use !== 'sig')) continue;
    const copy: JWK = { ...key };
    for (const member of PRIVATE_MEMBERS) delete (copy as Record<string, unknown>)[member];
    keys.push(copy);
  }
  return { keys };
}
