import { OWASP_CATEGORIES } from '../../audit/types.js';
import { STRIDE, type ConfigRef, type Evidence, type MitigationStatus, type Threat } from '../types.js';

/** Wording shared by the Markdown and HTML reports. */
export const STATUS_WORD: Readonly<Record<MitigationStatus, string>> = { mitigated: 'mitigated', partial: 'partly mitigated', none: 'none' };

export function strideWord(t: Threat): string {
  return STRIDE[t.stride];
}

export function owaspWord(t: Threat): string {
  return `${t.owasp} ${OWASP_CATEGORIES[t.owasp]}`;
}

/** `openapi.yaml:42 /paths/~1users/get`: a place a reader can open. */
export function placeOf(e: Evidence | ConfigRef, base: (file: string) => string): string {
  const file = base(e.file);
  const line = e.line === undefined ? '' : `:${e.line}`;
  return 'pointer' in e ? `${file}${line} ${e.pointer === '' ? '/' : e.pointer}` : `${file}${line} ${e.path}`;
}

/** A number for reports: whole when it is, one decimal when a partial mitigation halves it. */
export function riskWord(n: number): string {
  return Number.isInteger(n) ? String(n) : n.toFixed(1);
}

/** The scan that attacks this threat, narrowed to its operation (quoted for a shell when it needs to be). */
export function scanCommand(t: Threat, operation: string | undefined): string {
  const op = operation === undefined ? '' : ` --operations ${/^[\w.:-]+$/.test(operation) ? operation : `'${operation.replaceAll('\'', '\'\\\'\'')}'`}`;
  return `gatehouse scan --spec SPEC --target URL --checks ${t.scanChecks.join(',')}${op}`;
}
