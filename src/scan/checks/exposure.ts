/**
 * Excessive data exposure (API3): passive, on every successful response the scan receives.
 * Fields the response schema does not declare are a finding (more severe when their names or
 * values look sensitive); card numbers (Luhn-valid), password hashes and vendor secrets are a
 * finding wherever they appear.
 */
import { classifyValue, isSensitiveName } from '../../detect/sensitive/classify.js';
import type { ScanContext } from '../context.js';
import type { Exchange } from '../types.js';
import { OWASP } from '../types.js';

/** Field names whose value is never for a client to read back, declared or not. */
const SECRET_FIELD = /^(password|passwd|pwd|pass|password_?hash|ssn|cvv|cvc|card_?number|credit_?card|pin|secret|private_?key)$/i;
const MASKED = /^[*xX•.-]*$|^\*+\w{0,4}$/;

const PASSWORD_HASH = /^(\$2[abxy]\$\d\d\$[./A-Za-z0-9]{20,}|\$argon2(id|i|d)\$.+|\$pbkdf2[-\w]*\$.+|\$[56]\$[^$]+\$.+|pbkdf2_sha256\$.+)$/;

/** Paths of properties present in `before` and removed in `after` (the stripped copy). */
export function removedPaths(before: unknown, after: unknown, path = '', out = new Set<string>(), budget = { n: 2000 }): Set<string> {
  if (--budget.n < 0 || before === null || typeof before !== 'object' || after === null || typeof after !== 'object') return out;
  if (Array.isArray(before) && Array.isArray(after)) {
    before.forEach((item, i) => removedPaths(item, after[i], `${path}[]`, out, budget));
    return out;
  }
  const a = after as Record<string, unknown>;
  for (const [k, v] of Object.entries(before as Record<string, unknown>)) {
    if (!(k in a)) out.add(`${path}.${k}`.replace(/^\./, ''));
    else removedPaths(v, a[k], `${path}.${k}`, out, budget);
  }
  return out;
}

function* strings(value: unknown, path: string, budget: { n: number }): Generator<[string, string]> {
  if (--budget.n < 0) return;
  if (typeof value === 'string') yield [path, value];
  else if (Array.isArray(value)) for (const v of value.slice(0, 50)) yield* strings(v, `${path}[]`, budget);
  else if (value !== null && typeof value === 'object') for (const [k, v] of Object.entries(value)) yield* strings(v, path === '' ? k : `${path}.${k}`, budget);
}

export function exposureObserver(ctx: ScanContext): void {
  ctx.client.onExchange((e: Exchange) => {
    if (e.operation === undefined || e.response.status < 200 || e.response.status >= 300 || e.response.json === undefined) return;
    const op = ctx.operations.find((o) => o.id === e.operation);
    if (op === undefined) return;
    const validator = ctx.validators(op)?.response(e.response.status, e.response.headers['content-type'] ?? '');
    let paths: string[] = [];
    if (validator !== undefined && validator.kind === 'json') {
      const copy = structuredClone(e.response.json);
      if (validator.strip(copy) > 0) {
        paths = [...removedPaths(e.response.json, copy)];
        const sensitive = paths.filter((p) => isSensitiveName(p.split('.').pop()?.replace('[]', '') ?? ''));
        ctx.findings.add({
          ruleId: 'exposure.undeclared-field', check: 'exposure', severity: sensitive.length > 0 ? 'high' : 'medium', owasp: OWASP.API3,
          title: 'Response carries fields the spec does not declare', operation: op.id, request: e.request, response: e.response,
          evidence: `the ${e.response.status} response of ${op.method} ${op.path} has undeclared field(s) ${paths.slice(0, 8).join(', ')}${sensitive.length > 0 ? ` (sensitive: ${sensitive.join(', ')})` : ''}`,
        });
      }
    }
    for (const [path, value] of strings(e.response.json, '', { n: 5000 })) {
      const field = path.split('.').pop()?.replace('[]', '') ?? '';
      const category = PASSWORD_HASH.test(value) ? 'password hash' : SECRET_FIELD.test(field) && value !== '' && !MASKED.test(value) ? `${field} value` : (() => {
        const c = classifyValue(value);
        return c === 'card' ? 'card number' : c === 'secret' ? 'secret key' : undefined;
      })();
      // An undeclared sensitive field is already reported, with its name, as undeclared.
      if (category === undefined || paths.includes(path)) continue;
      ctx.findings.add({
        ruleId: 'exposure.sensitive-data', check: 'exposure', severity: 'high', owasp: OWASP.API3,
        title: `Response exposes a ${category}`, operation: op.id, request: e.request, response: e.response, key: category,
        evidence: `the ${e.response.status} response of ${op.method} ${op.path} has a ${category} at ${path || '(root)'}`,
      });
    }
  });
}
