/**
 * `--ruleset FILE`: Spectral rulesets, the format teams already keep in `.spectral.yaml`. Each rule's
 * `given` (JSONPath, evaluated by jsonpath-plus on the document as written) selects nodes; `then`
 * applies a core function to the node or to its `field`. What Gatehouse cannot run (custom
 * JavaScript functions, remote or package `extends`, `overrides`, `aliases`) is listed as
 * `unsupported`, never dropped silently; what is malformed is a ConfigError with its path.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Ajv, type ValidateFunction } from 'ajv';
import { JSONPath } from 'jsonpath-plus';
import { parse } from 'yaml';
import { ConfigError, type ConfigProblem } from '../errors/index.js';
import { child, isObject, type Json } from './raw.js';
import type { AuditContext, Emit, Rule, Severity } from './types.js';

export interface SpectralRuleset {
  readonly rules: Rule[];
  /** `path: what` for each part that was read but cannot run. */
  readonly unsupported: string[];
}

const SEVERITY: Record<string, Severity | 'off'> = { error: 'high', warn: 'medium', info: 'low', hint: 'low', off: 'off', 0: 'high', 1: 'medium', 2: 'low', 3: 'low', '-1': 'off' };
const CORE = new Set(['truthy', 'falsy', 'defined', 'undefined', 'pattern', 'casing', 'enumeration', 'length', 'alphabetical', 'schema', 'xor']);

interface RawRule { def: Json; file: string; at: string; enabledByAll: boolean }

export async function loadSpectralRuleset(file: string): Promise<SpectralRuleset> {
  const problems: ConfigProblem[] = [];
  const unsupported: string[] = [];
  const merged = new Map<string, RawRule>();
  const severities = new Map<string, unknown>();
  const seen = new Set<string>();

  const read = async (f: string, all: boolean, chain: string[]): Promise<void> => {
    const abs = path.resolve(f);
    if (chain.includes(abs)) { problems.push({ path: 'extends', message: `extends loops back to ${f}`, file: f }); return; }
    if (seen.has(abs)) return;
    seen.add(abs);
    let doc: unknown;
    try {
      doc = parse(await readFile(abs, 'utf8'));
    } catch (err) {
      problems.push({ path: '', message: `cannot read ruleset: ${(err as Error).message.split('\n')[0] ?? ''}`, file: f });
      return;
    }
    if (!isObject(doc)) { problems.push({ path: '', message: 'a ruleset is a mapping with `rules` and/or `extends`', file: f }); return; }
    for (const k of ['functions', 'functionsDir']) if (doc[k] !== undefined) unsupported.push(`${f}: ${k}: custom JavaScript functions are not run`);
    for (const k of ['overrides', 'aliases', 'parserOptions']) if (doc[k] !== undefined) unsupported.push(`${f}: ${k}: not supported; the rules they adjust run as written`);
    const ext = doc.extends === undefined ? [] : Array.isArray(doc.extends) ? doc.extends : [doc.extends];
    for (const [i, e] of ext.entries()) {
      const [target, mode] = Array.isArray(e) ? [e[0], e[1]] : [e, 'recommended'];
      if (typeof target !== 'string') { problems.push({ path: `extends[${i}]`, message: 'must be a file path or [path, recommended|all|off]', file: f }); continue; }
      if (mode === 'off') continue;
      if (/^https?:\/\//i.test(target)) { unsupported.push(`${f}: extends[${i}]: remote ruleset ${target} is not fetched`); continue; }
      if (!target.startsWith('.') && !target.startsWith('/')) { unsupported.push(`${f}: extends[${i}]: ${target} is a Spectral package, not a local file; Gatehouse's built-in rules cover the OWASP ruleset (docs/audit-rules.md)`); continue; }
      await read(path.resolve(path.dirname(abs), target), mode === 'all', [...chain, abs]);
    }
    if (doc.rules === undefined) return;
    if (!isObject(doc.rules)) { problems.push({ path: 'rules', message: 'must map rule names to rules', file: f }); return; }
    for (const [name, def] of Object.entries(doc.rules)) {
      // `name: off` / `name: warn` adjusts an inherited rule's severity.
      if (!isObject(def)) severities.set(name, def);
      else { merged.set(name, { def, file: f, at: `rules.${name}`, enabledByAll: all }); severities.delete(name); }
    }
  };
  await read(file, false, []);

  const rules: Rule[] = [];
  for (const [name, r] of merged) {
    const sevRaw = severities.has(name) ? severities.get(name) : r.def.severity ?? 'warn';
    const severity = SEVERITY[String(sevRaw)];
    if (severity === undefined) { problems.push({ path: `${r.at}.severity`, message: 'must be error, warn, info, hint or off', file: r.file }); continue; }
    const recommended = r.def.recommended !== false || r.enabledByAll || severities.has(name);
    if (severity === 'off' || !recommended) continue;
    const compiled = compileRule(name, r, problems, unsupported);
    if (compiled === undefined) continue;
    const description = typeof r.def.description === 'string' ? r.def.description : name;
    rules.push({
      id: name, title: description, severity, owasp: 'API8:2023', description,
      fix: typeof r.def.description === 'string' ? r.def.description : `See the ruleset rule ${name}.`, check: compiled,
    });
  }
  if (problems.length > 0) throw new ConfigError(file, problems);
  return { rules, unsupported };
}

type Check = (value: unknown, key: string | undefined) => string | undefined;

function compileRule(name: string, r: RawRule, problems: ConfigProblem[], unsupported: string[]): Rule['check'] {
  const bad = (p: string, message: string): undefined => { problems.push({ path: `${r.at}.${p}`, message, file: r.file }); return undefined; };
  const given = Array.isArray(r.def.given) ? r.def.given : [r.def.given];
  if (given.length === 0 || !given.every((g): g is string => typeof g === 'string' && g.startsWith('$'))) return bad('given', 'must be a JSONPath expression or a list of them');
  const thens = Array.isArray(r.def.then) ? r.def.then : [r.def.then];
  const steps: { field: string | undefined; fn: Check }[] = [];
  for (const [i, t] of thens.entries()) {
    const at = thens.length > 1 ? `then[${i}]` : 'then';
    if (!isObject(t) || typeof t.function !== 'string') return bad(at, 'needs a `function`');
    if (!CORE.has(t.function)) { unsupported.push(`${r.file}: ${r.at}.${at}.function: ${t.function} is not a Spectral core function; rule ${name} not run`); return undefined; }
    const fn = coreFunction(t.function, isObject(t.functionOptions) ? t.functionOptions : {}, (m) => bad(`${at}.functionOptions`, m));
    if (fn === undefined) return undefined;
    steps.push({ field: typeof t.field === 'string' ? t.field : undefined, fn });
  }
  const template = typeof r.def.message === 'string' ? r.def.message : undefined;
  const description = typeof r.def.description === 'string' ? r.def.description : '';
  return (ctx: AuditContext, emit: Emit) => {
    for (const g of given) {
      const hits = JSONPath({ path: g, json: ctx.spec.raw as object, resultType: 'all', eval: 'safe' }) as { pointer: string; value: unknown; parentProperty: string | number }[];
      for (const hit of hits) for (const step of steps) {
        for (const { pointer, value, key } of fieldsOf(hit, step.field)) {
          const error = step.fn(value, key);
          if (error === undefined) continue;
          const property = key ?? '';
          const message = template === undefined ? `${description || name}: ${error}`
            : template.replaceAll('{{error}}', error).replaceAll('{{description}}', description).replaceAll('{{path}}', pointer).replaceAll('{{property}}', property).replaceAll('{{value}}', typeof value === 'string' ? value : JSON.stringify(value) ?? '');
          emit(pointer, message);
        }
      }
    }
  };
}

/** The value(s) a `then` looks at: the node, its key (`@key`), a dotted field or a JSONPath inside it. */
function fieldsOf(hit: { pointer: string; value: unknown; parentProperty: string | number }, field: string | undefined): { pointer: string; value: unknown; key: string | undefined }[] {
  if (field === undefined) return [{ pointer: hit.pointer, value: hit.value, key: String(hit.parentProperty) }];
  if (field === '@key') return [{ pointer: hit.pointer, value: String(hit.parentProperty), key: String(hit.parentProperty) }];
  if (field.startsWith('$')) {
    if (typeof hit.value !== 'object' || hit.value === null) return [];
    const inner = JSONPath({ path: field, json: hit.value, resultType: 'all', eval: 'safe' }) as { pointer: string; value: unknown; parentProperty: string | number }[];
    return inner.map((x) => ({ pointer: hit.pointer + x.pointer, value: x.value, key: String(x.parentProperty) }));
  }
  let value: unknown = hit.value;
  let pointer = hit.pointer;
  for (const seg of field.split('.')) {
    value = isObject(value) ? value[seg] : Array.isArray(value) ? value[Number(seg)] : undefined;
    pointer = child(pointer, seg);
  }
  return [{ pointer, value, key: field.split('.').pop() }];
}

const CASES: Record<string, RegExp> = {
  flat: /^[a-z][a-z0-9]*$/, camel: /^[a-z][a-z0-9]*(?:[A-Z0-9][a-z0-9]*)*$/, pascal: /^[A-Z][a-z0-9]*(?:[A-Z0-9][a-z0-9]*)*$/,
  kebab: /^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$/, cobol: /^[A-Z][A-Z0-9]*(?:-[A-Z0-9]+)*$/, snake: /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/, macro: /^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*$/,
};

/** `/re/i` or `re`, as Spectral writes patterns. */
function regexOf(s: unknown): RegExp | undefined {
  if (typeof s !== 'string') return undefined;
  const m = /^\/(.+)\/([a-z]*)$/s.exec(s);
  try { return m === null ? new RegExp(s) : new RegExp(m[1] ?? '', m[2]); } catch { return undefined; }
}

function coreFunction(name: string, o: Json, bad: (m: string) => undefined): Check | undefined {
  const show = (v: unknown): string => (typeof v === 'string' ? `"${v}"` : JSON.stringify(v) ?? 'undefined');
  switch (name) {
    case 'truthy': return (v) => (v ? undefined : 'is not truthy');
    case 'falsy': return (v) => (v ? 'is not falsy' : undefined);
    case 'defined': return (v) => (v === undefined ? 'must be defined' : undefined);
    case 'undefined': return (v) => (v === undefined ? undefined : 'must be undefined');
    case 'pattern': {
      const match = o.match === undefined ? undefined : regexOf(o.match);
      const notMatch = o.notMatch === undefined ? undefined : regexOf(o.notMatch);
      if ((o.match !== undefined && match === undefined) || (o.notMatch !== undefined && notMatch === undefined) || (match === undefined && notMatch === undefined)) return bad('`match` and/or `notMatch` must be valid regular expressions');
      return (v) => {
        if (typeof v !== 'string') return undefined;
        if (match !== undefined && !match.test(v)) return `${show(v)} must match the pattern ${String(o.match)}`;
        if (notMatch !== undefined && notMatch.test(v)) return `${show(v)} must not match the pattern ${String(o.notMatch)}`;
        return undefined;
      };
    }
    case 'casing': {
      const re = typeof o.type === 'string' ? CASES[o.type] : undefined;
      if (re === undefined) return bad(`\`type\` must be one of ${Object.keys(CASES).join(', ')}`);
      const sep = isObject(o.separator) && typeof o.separator.char === 'string' ? o.separator.char : undefined;
      return (v) => {
        if (typeof v !== 'string' || v === '') return undefined;
        if (o.disallowDigits === true && /\d/.test(v)) return `${show(v)} must not contain digits`;
        const parts = sep === undefined ? [v] : v.split(sep).filter((p, i) => !(i === 0 && p === '' && isObject(o.separator) && o.separator.allowLeading === true));
        return parts.every((p) => re.test(p)) ? undefined : `${show(v)} must be ${String(o.type)} case`;
      };
    }
    case 'enumeration': {
      if (!Array.isArray(o.values)) return bad('`values` must be a list');
      const values = o.values;
      return (v) => (v === undefined || values.includes(v) ? undefined : `${show(v)} must be one of ${values.map(show).join(', ')}`);
    }
    case 'length': {
      const min = typeof o.min === 'number' ? o.min : undefined;
      const max = typeof o.max === 'number' ? o.max : undefined;
      if (min === undefined && max === undefined) return bad('needs `min` and/or `max`');
      return (v) => {
        const n = typeof v === 'string' || Array.isArray(v) ? v.length : typeof v === 'number' ? v : isObject(v) ? Object.keys(v).length : undefined;
        if (n === undefined) return undefined;
        if (min !== undefined && n < min) return `must be at least ${min} long`;
        if (max !== undefined && n > max) return `must be at most ${max} long`;
        return undefined;
      };
    }
    case 'alphabetical': {
      const keyedBy = typeof o.keyedBy === 'string' ? o.keyedBy : undefined;
      return (v) => {
        const items = Array.isArray(v) ? v.map((x) => (keyedBy !== undefined && isObject(x) ? x[keyedBy] : x)) : isObject(v) ? Object.keys(v) : undefined;
        if (items === undefined) return undefined;
        for (let i = 1; i < items.length; i++) if (String(items[i - 1]).localeCompare(String(items[i])) > 0) return `must be sorted alphabetically (${show(items[i - 1])} before ${show(items[i])})`;
        return undefined;
      };
    }
    case 'schema': {
      if (!isObject(o.schema)) return bad('`schema` must be a JSON Schema');
      let validate: ValidateFunction;
      try { validate = new Ajv({ strict: false, allErrors: o.allErrors === true }).compile(o.schema); } catch (err) { return bad(`invalid schema: ${(err as Error).message}`); }
      return (v) => (v === undefined || validate(v) ? undefined : (validate.errors ?? []).map((e) => `${e.instancePath || 'value'} ${e.message ?? ''}`).join('; '));
    }
    case 'xor': {
      if (!Array.isArray(o.properties) || o.properties.length < 2) return bad('`properties` must list at least two names');
      const props = o.properties.map(String);
      return (v) => {
        if (!isObject(v)) return undefined;
        const present = props.filter((p) => v[p] !== undefined);
        return present.length === 1 ? undefined : `exactly one of ${props.join(', ')} must be defined (${present.length === 0 ? 'none is' : `${present.join(', ')} are`})`;
      };
    }
    default: return undefined;
  }
}
