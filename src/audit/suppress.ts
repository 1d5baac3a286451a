/**
 * `x-gatehouse-ignore` on any object along a finding's pointer (the root, a path item, an
 * operation, a schema) suppresses that rule there. Two spellings are accepted:
 *   x-gatehouse-ignore: { GH-INPUT-001: "bounded by the upstream's own validation" }
 *   x-gatehouse-ignore: [{ rule: GH-INPUT-001, reason: "..." }]
 * A suppression without a reason is not honoured (and is itself a finding, GH-SPEC-004).
 */
import { child, isObject, type RawDoc } from './raw.js';

export interface Suppressions {
  /** The reason, when `ruleId` is suppressed at `pointer` or an ancestor of it. */
  reasonFor(ruleId: string, pointer: string): string | undefined;
  /** Entries without a reason, as [pointer, ruleId]. */
  readonly invalid: readonly [string, string][];
}

const KEY = 'x-gatehouse-ignore';

export function collectSuppressions(raw: RawDoc): Suppressions {
  const found = new Map<string, Map<string, string>>();
  const invalid: [string, string][] = [];
  const parse = (ptr: string, v: unknown): void => {
    const entries = new Map<string, string>();
    const add = (rule: unknown, reason: unknown): void => {
      if (typeof rule !== 'string') return;
      if (typeof reason === 'string' && reason.trim() !== '') entries.set(rule, reason.trim());
      else invalid.push([child(ptr, KEY), rule]);
    };
    if (Array.isArray(v)) for (const e of v) { if (isObject(e)) add(e.rule ?? e.id, e.reason); else add(e, undefined); }
    else if (isObject(v)) for (const [rule, reason] of Object.entries(v)) add(rule, reason);
    else add(v, undefined);
    if (entries.size > 0) found.set(ptr, entries);
  };
  raw.walkAll((node, pointer) => {
    if (node[KEY] !== undefined) parse(pointer(), node[KEY]);
  }, KEY);
  const scopes = [...found];
  return {
    invalid,
    reasonFor(ruleId, pointer) {
      for (const [ptr, entries] of scopes) {
        if (ptr !== '' && pointer !== ptr && !pointer.startsWith(ptr + '/')) continue;
        const r = entries.get(ruleId) ?? entries.get('*');
        if (r !== undefined) return r;
      }
      return undefined;
    },
  };
}
