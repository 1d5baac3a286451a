/**
 * `x-gatehouse-ignore` on any object along a finding's pointer (the root, a path item, an
 * operation, a schema) suppresses that rule there. Two spellings are accepted:
 *   x-gatehouse-ignore: { GH-INPUT-001: "bounded by the upstream's own validation" }
 *   x-gatehouse-ignore: [{ rule: GH-INPUT-001, reason: "..." }]
 * A suppression without a reason is not honoured (and is itself a finding, GH-SPEC-004).
 */
import { child, isObject, segmentsOf, type RawDoc } from './raw.js';

export interface Suppressions {
  /** The reason, when `ruleId` is suppressed at `pointer` or an ancestor of it. */
  reasonFor(ruleId: string, pointer: string): string | undefined;
  /** Entries without a reason, as [pointer, ruleId]. */
  readonly invalid: readonly [string, string][];
}

const KEY = 'x-gatehouse-ignore';

export function collectSuppressions(raw: RawDoc): Suppressions {
  const parsed = new Map<string, Map<string, string> | null>();
  const invalid: [string, string][] = [];
  const entriesAt = (ptr: string, node: unknown): Map<string, string> | null => {
    let hit = parsed.get(ptr);
    if (hit !== undefined) return hit;
    hit = null;
    if (isObject(node) && node[KEY] !== undefined) {
      hit = new Map();
      const v = node[KEY];
      const add = (rule: unknown, reason: unknown): void => {
        if (typeof rule !== 'string') return;
        if (typeof reason === 'string' && reason.trim() !== '') hit?.set(rule, reason.trim());
        else invalid.push([child(ptr, KEY), rule]);
      };
      if (Array.isArray(v)) for (const e of v) { if (isObject(e)) add(e.rule ?? e.id, e.reason); else add(e, undefined); }
      else if (isObject(v)) for (const [rule, reason] of Object.entries(v)) add(rule, reason);
      else if (typeof v === 'string') add(v, undefined);
    }
    parsed.set(ptr, hit);
    return hit;
  };
  // Find every suppression once up front so reasonless ones are reported even where nothing fired.
  const stack: [unknown, string][] = [[raw.root, '']];
  while (stack.length > 0) {
    const [node, ptr] = stack.pop() as [unknown, string];
    if (Array.isArray(node)) { node.forEach((v, i) => { if (typeof v === 'object' && v !== null) stack.push([v, `${ptr}/${i}`]); }); continue; }
    if (!isObject(node)) continue;
    entriesAt(ptr, node);
    for (const [k, v] of Object.entries(node)) if (typeof v === 'object' && v !== null && k !== 'example' && k !== 'examples') stack.push([v, child(ptr, k)]);
  }
  return {
    invalid,
    reasonFor(ruleId, pointer) {
      let ptr = '';
      const check = (): string | undefined => parsed.get(ptr)?.get(ruleId) ?? parsed.get(ptr)?.get('*');
      const atRoot = check();
      if (atRoot !== undefined) return atRoot;
      for (const seg of segmentsOf(pointer)) {
        ptr = child(ptr, seg);
        const r = check();
        if (r !== undefined) return r;
      }
      return undefined;
    },
  };
}
