import type { Rule } from '../types.js';
import { authRules } from './auth.js';
import { dataRules } from './data.js';
import { inputRules } from './input.js';
import { limitRules } from './limits.js';
import { corsRules, inventoryRules, operationRules } from './operations.js';
import { responseRules } from './responses.js';
import { specRules } from './spec.js';
import { transportRules } from './transport.js';

/** Every built-in rule, in the order they appear in docs/audit-rules.md. */
export const BUILTIN_RULES: readonly Rule[] = [
  ...authRules, ...transportRules, ...inputRules, ...dataRules, ...bolaRules(), ...responseRules, ...limitRules, ...operationRules, ...inventoryRules, ...corsRules, ...specRules,
];

function bolaRules(): Rule[] {
  return [{
    id: 'GH-BOLA-001', title: 'Sequential integer identifier in path', severity: 'medium', owasp: 'API1:2023',
    description: 'Integer ids in paths are guessable: attackers enumerate /orders/1, /orders/2... and find objects that are not theirs.',
    fix: 'Use opaque identifiers (UUIDs) and enforce object-level authorization on every access.',
    check(ctx, emit) {
      const seen = new Set<string>();
      for (const op of ctx.spec.operations) for (const p of op.parameters) {
        if (p.in !== 'path' || seen.has(ctx.raw.placeOf(p))) continue;
        const s = p.schema;
        const type = s === undefined ? undefined : s.type;
        if (type === 'integer' || (Array.isArray(type) && type.includes('integer'))) {
          seen.add(ctx.raw.placeOf(p));
          emit(ctx.raw.placeOf(p), `path parameter \`${p.name}\` of ${op.method} ${op.path} is an integer identifier`);
        }
      }
    },
  }];
}
