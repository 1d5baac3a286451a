/**
 * Resolves `${secret:…}` references in config values. Sources, by prefix:
 *   `${secret:name}`            the local store when one is configured, else Vault (field `name`
 *                               of the configured path)
 *   `${secret:store:name}`      the local encrypted store
 *   `${secret:env:NAME}`        an environment variable
 *   `${secret:file:/path}`      a file's contents (one trailing newline dropped: how tools write them)
 *   `${secret:vault:path#field}` a field of a Vault KV v2 secret
 * Every value resolved is added to the resolver's Redactor, so it can be masked wherever it leaks.
 */
import { readFile } from 'node:fs/promises';
import { SecretError } from './errors.js';
import { loadKeyRing, type Env } from './kek.js';
import { Redactor } from './redact.js';
import { SecretStore } from './store.js';
import { VaultClient, type VaultOptions } from './vault.js';

export interface SecretResolverOptions {
  readonly storeFile?: string;
  readonly vault?: VaultOptions;
  /** Where `env:` references and the store's key come from; process.env by default. */
  readonly env?: Env;
  readonly now?: () => number;
}

export interface SecretResolver {
  /** `ref` is what stands between `${secret:` and `}`. */
  get(ref: string): Promise<string>;
  readonly redactor: Redactor;
  close(): Promise<void>;
}

export function createSecretResolver(options: SecretResolverOptions): SecretResolver {
  const env = options.env ?? process.env;
  const redactor = new Redactor();
  let store: SecretStore | undefined;
  const storeOf = (): SecretStore => {
    if (options.storeFile === undefined) throw new SecretError('GH_SECRET_REF_INVALID', 'no secret store is configured (secrets.store)');
    // The key is loaded on first use: a config without store references needs no key.
    store ??= new SecretStore({ file: options.storeFile, keys: loadKeyRing(env), ...(options.now === undefined ? {} : { now: options.now }) });
    return store;
  };
  const vault = options.vault === undefined ? undefined : new VaultClient({ ...options.vault, ...(options.now === undefined ? {} : { now: options.now }) });
  const vaultOf = (): VaultClient => {
    if (vault === undefined) throw new SecretError('GH_SECRET_REF_INVALID', 'no Vault is configured (secrets.vault)');
    return vault;
  };

  const lookup = async (ref: string): Promise<string> => {
    const colon = ref.indexOf(':');
    const kind = colon < 0 ? '' : ref.slice(0, colon);
    const rest = ref.slice(colon + 1);
    switch (kind) {
      case '':
        if (options.storeFile !== undefined) return storeOf().get(ref);
        if (vault !== undefined && vault.defaultPath !== undefined) return vault.field(vault.defaultPath, ref);
        throw new SecretError('GH_SECRET_REF_INVALID', `\${secret:${ref}}: no secret source is configured (a store file or Vault with a path)`);
      case 'store':
        return storeOf().get(rest);
      case 'env': {
        const v = env[rest];
        if (v === undefined || v === '') throw new SecretError('GH_SECRET_NOT_FOUND', `\${secret:env:${rest}}: environment variable ${rest} is not set`);
        return v;
      }
      case 'file':
        try {
          return (await readFile(rest, 'utf8')).replace(/\r?\n$/, '');
        } catch (err) {
          throw new SecretError('GH_SECRET_NOT_FOUND', `\${secret:file:${rest}}: cannot read (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
        }
      case 'vault': {
        const hash = rest.lastIndexOf('#');
        if (hash <= 0 || hash === rest.length - 1) throw new SecretError('GH_SECRET_REF_INVALID', `\${secret:${ref}}: write vault:PATH#FIELD`);
        return vaultOf().field(rest.slice(0, hash), rest.slice(hash + 1));
      }
      default:
        throw new SecretError('GH_SECRET_REF_INVALID', `\${secret:${ref}}: unknown source "${kind}" (use store:, env:, file: or vault:)`);
    }
  };

  return {
    redactor,
    async get(ref: string): Promise<string> {
      const value = await lookup(ref.trim());
      redactor.add(value);
      return value;
    },
    async close(): Promise<void> {
      await vault?.close();
    },
  };
}

const REF = /\$\{secret:([^}]+)\}/g;

export interface SecretRefProblem {
  readonly path: string;
  readonly message: string;
}

/**
 * Replaces every `${secret:…}` in the strings of a config value (objects and arrays walked).
 * All references are tried; failures are reported together, each with its config path.
 */
export async function resolveSecretRefs<T>(value: T, resolver: Pick<SecretResolver, 'get'>): Promise<T> {
  const problems: SecretRefProblem[] = [];
  const walk = async (v: unknown, path: string): Promise<unknown> => {
    if (typeof v === 'string') {
      if (!v.includes('${secret:')) return v;
      const refs = [...v.matchAll(REF)].map((m) => m[1] as string);
      const values = new Map<string, string>();
      for (const ref of refs) {
        try {
          values.set(ref, await resolver.get(ref));
        } catch (err) {
          problems.push({ path: path || '(root)', message: err instanceof Error ? err.message : String(err) });
        }
      }
      return v.replace(REF, (whole, ref: string) => values.get(ref) ?? whole);
    }
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (const [i, x] of v.entries()) out.push(await walk(x, `${path}[${i}]`));
      return out;
    }
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await walk(x, path === '' ? k : `${path}.${k}`);
      return out;
    }
    return v;
  };
  const result = await walk(value, '');
  if (problems.length > 0) {
    throw new SecretError('GH_SECRET_NOT_FOUND', `${problems.length} secret reference(s) could not be resolved\n${problems.map((p) => `  ${p.path}: ${p.message}`).join('\n')}`);
  }
  return result as T;
}
