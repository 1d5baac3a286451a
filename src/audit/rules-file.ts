/**
 * The `--rules FILE` format: severity overrides and small declarative custom rules.
 *
 *   severity: { GH-INV-002: off, GH-AUTH-011: medium }
 *   rules:
 *     - id: ACME-001
 *       title: Operations need a summary
 *       severity: low            # low | medium | high | critical
 *       owasp: API9:2023
 *       fix: Add a one-line summary.
 *       operation: { require: [summary, x-owner] }   # keys each operation object must have
 *     - id: ACME-002
 *       title: No debug switches
 *       severity: high
 *       owasp: API8:2023
 *       parameter: { forbidName: "^debug$" }         # regex on parameter names
 *     - id: ACME-003
 *       title: No v0 paths
 *       severity: medium
 *       owasp: API9:2023
 *       path: { forbid: "^/v0/" }                    # regex on path templates
 * Every problem is reported at once (ConfigError); the CLI exits 2 on it.
 */
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors/index.js';
import { isObject } from './raw.js';
import { BUILTIN_RULES } from './rules/index.js';
import { OWASP_CATEGORIES, SEVERITIES, type OwaspCategory, type Rule, type Severity } from './types.js';

export interface RulesConfig {
  readonly overrides: Record<string, Severity | 'off'>;
  readonly custom: Rule[];
}

const RULE_KEYS = new Set(['id', 'title', 'severity', 'owasp', 'fix', 'description', 'operation', 'parameter', 'path']);

export async function loadRulesFile(file: string): Promise<RulesConfig> {
  let doc: unknown;
  try {
    doc = parse(await readFile(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(file, [{ path: '', message: `cannot read rules file: ${(err as Error).message.split('\n')[0] ?? ''}` }]);
  }
  return parseRules(file, doc ?? {});
}

export function parseRules(file: string, doc: unknown): RulesConfig {
  const problems: ConfigProblem[] = [];
  const bad = (path: string, message: string): void => { problems.push({ path, message }); };
  const overrides: Record<string, Severity | 'off'> = {};
  const custom: Rule[] = [];
  if (!isObject(doc)) { bad('', 'must be a mapping with `severity` and/or `rules`'); throw new ConfigError(file, problems); }
  for (const k of Object.keys(doc)) if (k !== 'severity' && k !== 'rules') bad(k, 'unknown key (expected `severity` or `rules`)');
  const known = new Set(BUILTIN_RULES.map((r) => r.id));
  if (doc.severity !== undefined) {
    if (!isObject(doc.severity)) bad('severity', 'must map rule ids to a severity or `off`');
    else for (const [id, v] of Object.entries(doc.severity)) {
      if (!known.has(id)) bad(`severity.${id}`, 'unknown rule id');
      else if (v === 'off' || (SEVERITIES as readonly unknown[]).includes(v)) overrides[id] = v as Severity | 'off';
      else bad(`severity.${id}`, `must be one of ${SEVERITIES.join(', ')}, off`);
    }
  }
  const list = doc.rules ?? [];
  if (!Array.isArray(list)) bad('rules', 'must be a list');
  else list.forEach((r, i) => {
    const at = `rules[${i}]`;
    if (!isObject(r)) { bad(at, 'must be a mapping'); return; }
    for (const k of Object.keys(r)) if (!RULE_KEYS.has(k)) bad(`${at}.${k}`, 'unknown key');
    const str = (k: string): string | undefined => (typeof r[k] === 'string' && r[k] !== '' ? r[k] : undefined);
    const id = str('id');
    if (id === undefined) bad(`${at}.id`, 'is required');
    else if (known.has(id) || custom.some((c) => c.id === id)) bad(`${at}.id`, `duplicate rule id ${id}`);
    if (str('title') === undefined) bad(`${at}.title`, 'is required');
    const severity = r.severity;
    if (!(SEVERITIES as readonly unknown[]).includes(severity)) bad(`${at}.severity`, `must be one of ${SEVERITIES.join(', ')}`);
    const owasp = r.owasp ?? 'API8:2023';
    if (typeof owasp !== 'string' || !(owasp in OWASP_CATEGORIES)) bad(`${at}.owasp`, 'must be an OWASP API Top 10 2023 category such as API8:2023');
    const check = compileMatcher(r, at, bad);
    if (id === undefined || check === undefined || problems.length > 0) return;
    custom.push({
      id, title: str('title') ?? id, severity: severity as Severity, owasp: owasp as OwaspCategory,
      description: str('description') ?? str('title') ?? id, fix: str('fix') ?? 'See your organisation\'s API guidelines.', check,
    });
  });
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { overrides, custom };
}

function compileMatcher(r: Readonly<Record<string, unknown>>, at: string, bad: (p: string, m: string) => void): Rule['check'] {
  const kinds = ['operation', 'parameter', 'path'].filter((k) => r[k] !== undefined);
  if (kinds.length !== 1) { bad(at, 'needs exactly one of `operation`, `parameter`, `path`'); return undefined; }
  const regex = (v: unknown, p: string): RegExp | undefined => {
    if (typeof v !== 'string') { bad(p, 'must be a regular expression string'); return undefined; }
    try { return new RegExp(v); } catch (err) { bad(p, `invalid regular expression: ${(err as Error).message}`); return undefined; }
  };
  const spec = r[kinds[0] as string];
  if (!isObject(spec)) { bad(`${at}.${kinds[0] ?? ''}`, 'must be a mapping'); return undefined; }
  if (kinds[0] === 'operation') {
    const req = spec.require;
    if (!Array.isArray(req) || !req.every((x) => typeof x === 'string')) { bad(`${at}.operation.require`, 'must be a list of keys'); return undefined; }
    return (ctx, emit) => {
      for (const op of ctx.spec.operations) {
        const node = ctx.raw.get(op.pointer);
        const missing = req.filter((k) => !isObject(node) || node[k] === undefined);
        if (missing.length > 0) emit(op.pointer, `${op.method} ${op.path} lacks ${missing.join(', ')}`);
      }
    };
  }
  if (kinds[0] === 'parameter') {
    const re = regex(spec.forbidName, `${at}.parameter.forbidName`);
    return re === undefined ? undefined : (ctx, emit) => {
      for (const op of ctx.spec.operations) for (const p of op.parameters) if (re.test(p.name)) emit(p.pointer, `parameter \`${p.name}\` of ${op.method} ${op.path} is not allowed`);
    };
  }
  const re = regex(spec.forbid, `${at}.path.forbid`);
  return re === undefined ? undefined : (ctx, emit) => {
    for (const op of ctx.spec.operations) if (re.test(op.path)) emit(op.pointer, `path ${op.path} is not allowed`);
  };
}
