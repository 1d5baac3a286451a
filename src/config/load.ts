import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors/index.js';
import { keySetFileProblem } from '../identity/jwks.js';
import { normalizeConfig } from './normalize.js';
import path from 'node:path';
import { createSecretResolver, type SecretResolverOptions } from '../secrets/index.js';
import { substituteEnv, unescapeLiterals, type SubstitutionProblem } from './substitute.js';
import type { GatehouseConfig } from './types.js';
import { formatPath, type RawProblem } from './problem.js';
import { validateShape } from './validate.js';

export interface LoadConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /**
   * Also read every issuer's `file:` key set and require a usable public key in it (gatehouse
   * check-config). Off by default: `gatehouse token --jwks` loads the config to write that very
   * file, and the gateway re-reads it at run time, failing closed (503) while it is unusable.
   */
  readonly readKeySets?: boolean;
  /**
   * Load only these top-level sections (with `version` and `secrets`); the others are neither
   * substituted, resolved nor validated, and `apis` is empty. For commands that need only part of
   * a config (`gatehouse alerts` reads the store): an unset variable or a secret that cannot be
   * resolved in a part they do not use must not stop them. Never for starting a gateway.
   */
  readonly sections?: readonly string[];
}

/**
 * load -> substitute ${ENV} -> validate -> normalise -> rules -> freeze. The same function
 * serves `gatehouse check-config`, start-up and reload. Every problem is collected before
 * throwing, each with its path and line.
 */
export async function loadConfig(file: string, options: LoadConfigOptions = {}): Promise<GatehouseConfig> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new ConfigError(file, [{ path: '', message: `cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, file }]);
  }
  return parseConfig(text, file, options);
}

export async function parseConfig(text: string, file: string, options: LoadConfigOptions = {}): Promise<GatehouseConfig> {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const problems: ConfigProblem[] = [];
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    problems.push({ path: '', message: `YAML: ${error.message.split('\n')[0] ?? error.code}`, file, line: pos.line, column: pos.col });
  }
  if (problems.length > 0) throw new ConfigError(file, problems);

  const located = (p: RawProblem | SubstitutionProblem): ConfigProblem => {
    const pos = locate(doc, lines, p.path);
    return { path: formatPath(p.path), message: p.message, file, ...pos };
  };

  const plain: unknown = doc.toJS({ maxAliasCount: 100 });
  if (plain === null || typeof plain !== 'object' || Array.isArray(plain)) {
    throw new ConfigError(file, [{ path: '', message: 'must be a YAML mapping with version and apis', file, line: 1 }]);
  }
  const substitution: SubstitutionProblem[] = [];
  const env = options.env ?? process.env;
  const scoped = options.sections === undefined ? plain : onlySections(plain as Record<string, unknown>, options.sections);
  const substituted = substituteEnv(scoped, env, substitution) as Record<string, unknown>;
  problems.push(...substitution.map(located));
  const secretValues: string[] = [];
  const resolved = await resolveSecrets(substituted, file, env, substitution.length === 0 ? problems : [], secretValues, located);
  const value = unescapeLiterals(resolved) as Record<string, unknown>;
  // Out of scope, `apis` is empty: "must list at least one API" is not a problem for this reader.
  const shape = validateShape(value).filter((p) => options.sections === undefined || options.sections.includes('apis') || p.path[0] !== 'apis');
  problems.push(...shape.map(located));
  if (problems.length > 0) throw new ConfigError(file, problems);

  const rules: RawProblem[] = [];
  const config = { ...normalizeConfig(value, file, rules, secretValues), secretValues };
  await checkFiles(config, rules);
  if (options.readKeySets === true) rules.push(...await keySetProblems(config));
  if (rules.length > 0) throw new ConfigError(file, rules.map(located));
  const frozen = deepFreeze(config);
  locators.set(frozen, located);
  return frozen;
}

/** How each loaded config finds the line of a key path, for problems found after loading. */
const locators = new WeakMap<GatehouseConfig, (p: RawProblem) => ConfigProblem>();

/**
 * Gives problems found after loading (policies checked against a spec) the file and line of
 * their config path; a config built in code has no lines.
 */
export function locateProblems(config: GatehouseConfig, problems: readonly RawProblem[]): ConfigProblem[] {
  const located = locators.get(config);
  return problems.map((p) => located?.(p) ?? { path: formatPath(p.path), message: p.message, file: config.file });
}

function onlySections(plain: Record<string, unknown>, sections: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = { version: plain.version, apis: [] };
  for (const key of [...sections, 'secrets']) if (Object.hasOwn(plain, key)) out[key] = plain[key];
  return out;
}

const SECRET_REF = /\$\{secret:([^}]+)\}/g;

/**
 * Replaces `${secret:…}` references from the sources the `secrets` section names (a local
 * encrypted store, Vault, env:, file:). Every failure is a problem at its path; the resolved
 * values are collected so the logger can mask them.
 */
async function resolveSecrets(
  value: Record<string, unknown>,
  file: string,
  env: Readonly<Record<string, string | undefined>>,
  problems: ConfigProblem[],
  secretValues: string[],
  located: (p: SubstitutionProblem) => ConfigProblem,
): Promise<Record<string, unknown>> {
  if (!JSON.stringify(value).includes('${secret:')) return value;
  const section = (value.secrets ?? {}) as { store?: string; vault?: SecretResolverOptions['vault'] };
  const resolver = createSecretResolver({
    env,
    ...(typeof section.store === 'string' ? { storeFile: path.resolve(path.dirname(path.resolve(file)), section.store) } : {}),
    ...(section.vault === undefined ? {} : { vault: section.vault }),
  });
  const walk = async (v: unknown, at: (string | number)[]): Promise<unknown> => {
    if (typeof v === 'string') {
      if (!v.includes('${secret:')) return v;
      let out = v;
      for (const match of v.matchAll(SECRET_REF)) {
        try {
          const secret = await resolver.get(match[1] as string);
          secretValues.push(secret);
          out = out.replace(match[0], () => secret);
        } catch (error) {
          problems.push(located({ path: at, message: error instanceof Error ? error.message : String(error) }));
        }
      }
      return out;
    }
    if (Array.isArray(v)) return Promise.all(v.map((x, i) => walk(x, [...at, i])));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) out[k] = await walk(x, [...at, k]);
      return out;
    }
    return v;
  };
  try {
    return await walk(value, []) as Record<string, unknown>;
  } finally {
    await resolver.close();
  }
}

async function checkFiles(config: GatehouseConfig, problems: RawProblem[]): Promise<void> {
  const checks: Promise<void>[] = [];
  const mustRead = (p: string | undefined, at: (string | number)[]): void => {
    if (p === undefined) return;
    checks.push(access(p, constants.R_OK).catch(() => { problems.push({ path: at, message: `file not readable: ${p}` }); }));
  };
  config.apis.forEach((api, i) => {
    mustRead(api.spec, ['apis', i, 'spec']);
    mustRead(api.upstream.tls?.cert, ['apis', i, 'upstream', 'tls', 'cert']);
    mustRead(api.upstream.tls?.key, ['apis', i, 'upstream', 'tls', 'key']);
    mustRead(api.upstream.tls?.ca, ['apis', i, 'upstream', 'tls', 'ca']);
  });
  const https = config.listen.https;
  if (https !== undefined) {
    mustRead(https.cert, ['listen', 'https', 'cert']);
    mustRead(https.key, ['listen', 'https', 'key']);
    mustRead(https.clientCa, ['listen', 'https', 'clientCa']);
  }
  mustRead(config.admin.tls?.cert, ['admin', 'tls', 'cert']);
  mustRead(config.admin.tls?.key, ['admin', 'tls', 'key']);
  mustRead(config.admin.auth?.clientCa, ['admin', 'auth', 'clientCa']);
  await Promise.all(checks);
}

async function keySetProblems(config: GatehouseConfig): Promise<RawProblem[]> {
  const found = await Promise.all(config.identity.issuers.map(async (issuer, i): Promise<RawProblem | undefined> => {
    if (issuer.jwks.kind !== 'file') return undefined;
    const message = await keySetFileProblem(issuer.jwks.path, issuer.algorithms);
    return message === undefined ? undefined : { path: ['identity', 'issuers', i, 'jwks'], message };
  }));
  return found.filter((p): p is RawProblem => p !== undefined);
}

/** The line of the deepest node of `path` that exists (the key's line for unknown keys). */
function locate(doc: Document, lines: LineCounter, path: readonly (string | number)[]): { line?: number; column?: number } {
  let node: unknown = doc.contents;
  let offset: number | undefined = (node as Node | null)?.range?.[0];
  for (const key of path) {
    if (isMap(node)) {
      const pair = node.items.find((item) => isPair(item) && isScalar(item.key) && String(item.key.value) === String(key));
      if (pair === undefined) break;
      offset = (pair.key as Node).range?.[0] ?? offset;
      node = pair.value;
    } else if (node !== null && typeof node === 'object' && 'items' in node && typeof key === 'number') {
      node = (node as { items: unknown[] }).items[key];
      offset = (node as Node | undefined)?.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  if (offset === undefined) return {};
  const pos = lines.linePos(offset);
  return { line: pos.line, column: pos.col };
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const v of Object.values(value)) deepFreeze(v);
  }
  return value;
}
