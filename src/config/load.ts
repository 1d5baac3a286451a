import { access, readFile } from 'node:fs/promises';
import { constants } from 'node:fs';
import { LineCounter, parseDocument, isMap, isPair, isScalar, type Document, type Node } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors/index.js';
import { normalizeConfig } from './normalize.js';
import { substituteEnv, type SubstitutionProblem } from './substitute.js';
import type { GatehouseConfig } from './types.js';
import { formatPath, validateShape, type RawProblem } from './validate.js';

export interface LoadConfigOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
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
  const value = substituteEnv(plain, options.env ?? process.env, substitution) as Record<string, unknown>;
  problems.push(...substitution.map(located));
  const shape = validateShape(value);
  problems.push(...shape.map(located));
  if (problems.length > 0) throw new ConfigError(file, problems);

  const rules: RawProblem[] = [];
  const config = normalizeConfig(value, file, rules);
  await checkFiles(config, rules);
  if (rules.length > 0) throw new ConfigError(file, rules.map(located));
  return deepFreeze(config);
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
  await Promise.all(checks);
}

/** The line of the deepest node of `path` that exists (the key's line for unknown keys). */
function locate(doc: Document, lines: LineCounter, path: (string | number)[]): { line?: number; column?: number } {
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
