/**
 * A HashiCorp Vault client for what Gatehouse needs: reading KV v2 secrets
 * (`GET /v1/<mount>/data/<path>`) with a token, or with a token from AppRole login
 * (`POST /v1/auth/approle/login`). Login is repeated when the token's lease runs out or Vault
 * answers 403. Reads are cached for `cacheMs` (1 s by default) so a secret revoked or rotated
 * in Vault stops being used within a second. Tokens never appear in errors.
 */
import { Agent, request } from 'undici';
import { SecretError } from './errors.js';

export interface VaultOptions {
  readonly address: string;
  readonly token?: string;
  readonly roleId?: string;
  readonly secretId?: string;
  /** KV v2 mount, `secret` by default. */
  readonly mount?: string;
  /** Default path whose fields `${secret:name}` reads when Vault is the default source. */
  readonly path?: string;
  readonly namespace?: string;
  readonly cacheMs?: number;
  readonly timeoutMs?: number;
  readonly now?: () => number;
}

export class VaultClient {
  readonly #o: VaultOptions;
  readonly #agent: Agent;
  readonly #now: () => number;
  #token: string | undefined;
  #tokenExpires = Infinity;
  readonly #cache = new Map<string, { at: number; data: Promise<Record<string, unknown>> }>();

  constructor(options: VaultOptions) {
    if (options.token === undefined && (options.roleId === undefined || options.secretId === undefined)) {
      throw new SecretError('GH_SECRET_SOURCE_FAILED', 'vault: give a token, or roleId and secretId for AppRole login');
    }
    this.#o = options;
    this.#token = options.token;
    this.#now = options.now ?? Date.now;
    const timeout = options.timeoutMs ?? 5000;
    this.#agent = new Agent({ connectTimeout: timeout, headersTimeout: timeout, bodyTimeout: timeout });
  }

  get defaultPath(): string | undefined {
    return this.#o.path;
  }

  /** The fields of the latest version of a KV v2 secret. */
  async read(path: string): Promise<Record<string, unknown>> {
    const hit = this.#cache.get(path);
    if (hit !== undefined && this.#now() - hit.at < (this.#o.cacheMs ?? 1000)) return hit.data;
    const data = this.#read(path, true);
    this.#cache.set(path, { at: this.#now(), data });
    data.catch(() => this.#cache.delete(path));
    return data;
  }

  async field(path: string, field: string): Promise<string> {
    const data = await this.read(path);
    const v = data[field];
    if (typeof v !== 'string') throw new SecretError('GH_SECRET_NOT_FOUND', `vault: ${this.#mount()}/${path} has no string field "${field}"`);
    return v;
  }

  async close(): Promise<void> {
    await this.#agent.close();
  }

  #mount(): string {
    return (this.#o.mount ?? 'secret').replace(/^\/+|\/+$/g, '');
  }

  async #read(path: string, retry: boolean): Promise<Record<string, unknown>> {
    const token = await this.#login();
    const clean = path.replace(/^\/+/, '');
    const res = await this.#call('GET', `/v1/${this.#mount()}/data/${clean.split('/').map(encodeURIComponent).join('/')}`, token);
    if (res.status === 403 && retry && this.#o.roleId !== undefined) {
      this.#token = undefined; // an expired or revoked AppRole token: log in again once
      return this.#read(path, false);
    }
    if (res.status === 404) throw new SecretError('GH_SECRET_NOT_FOUND', `vault: no secret at ${this.#mount()}/${clean}`);
    if (res.status !== 200) throw new SecretError('GH_SECRET_SOURCE_FAILED', `vault: reading ${this.#mount()}/${clean} answered ${res.status}${vaultErrors(res.body)}`);
    const data = (res.body as { data?: { data?: unknown } } | undefined)?.data?.data;
    if (typeof data !== 'object' || data === null) throw new SecretError('GH_SECRET_SOURCE_FAILED', `vault: ${this.#mount()}/${clean} is not a KV v2 secret (is the mount KV version 1?)`);
    return data as Record<string, unknown>;
  }

  async #login(): Promise<string> {
    if (this.#token !== undefined && this.#now() < this.#tokenExpires) return this.#token;
    const res = await this.#call('POST', '/v1/auth/approle/login', undefined, { role_id: this.#o.roleId, secret_id: this.#o.secretId });
    const auth = (res.body as { auth?: { client_token?: unknown; lease_duration?: unknown } } | undefined)?.auth;
    if (res.status !== 200 || typeof auth?.client_token !== 'string') {
      throw new SecretError('GH_SECRET_SOURCE_FAILED', `vault: AppRole login answered ${res.status}${vaultErrors(res.body)}`);
    }
    this.#token = auth.client_token;
    // Renew a little before the lease ends rather than fail one request at the boundary.
    const lease = typeof auth.lease_duration === 'number' && auth.lease_duration > 0 ? auth.lease_duration * 1000 : Infinity;
    this.#tokenExpires = this.#now() + lease * 0.9;
    return this.#token;
  }

  async #call(method: 'GET' | 'POST', path: string, token: string | undefined, body?: unknown): Promise<{ status: number; body: unknown }> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (token !== undefined) headers['x-vault-token'] = token;
    if (this.#o.namespace !== undefined) headers['x-vault-namespace'] = this.#o.namespace;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const url = new URL(path, this.#o.address.endsWith('/') ? this.#o.address : `${this.#o.address}/`);
    try {
      const res = await request(url, { method, headers, dispatcher: this.#agent, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
      const text = await res.body.text();
      let parsed: unknown;
      try {
        parsed = text === '' ? undefined : JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed };
    } catch (err) {
      throw new SecretError('GH_SECRET_SOURCE_FAILED', `vault: ${method} ${url.origin}${url.pathname} failed (${(err as Error).message})`);
    }
  }
}

function vaultErrors(body: unknown): string {
  const errs = (body as { errors?: unknown } | undefined)?.errors;
  return Array.isArray(errs) && errs.length > 0 ? `: ${errs.filter((e) => typeof e === 'string').join('; ').slice(0, 200)}` : '';
}
