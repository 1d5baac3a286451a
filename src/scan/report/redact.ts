/**
 * Reports never carry a credential (docs/scan.md): they end up in CI logs, code-scanning UIs and
 * tickets. Every string of the report, in every format, has each secret the scan used replaced:
 * identity header values (by `$GH_AUTH_<NAME>`, the variable the curl commands read), the bare
 * token inside them and a JWT's signature, login passwords and every token a login issued, in
 * the encodings a report can hold them in (as sent, JSON-escaped, percent-encoded, shell-quoted).
 * Credentials in the target URL's user-info are removed too.
 */
import { credentialVariable } from '../request.js';
import type { Identity, ScanReport } from '../types.js';

export interface Secret {
  readonly value: string;
  /** What stands in its place. */
  readonly label: string;
}

/** Shorter strings would match inside unrelated text; no real credential is that short. */
const MIN_LENGTH = 4;

/** The secrets of identities: the header value, the token without its scheme, a JWT's signature. */
export function identitySecrets(identity: Pick<Identity, 'name' | 'value'>, values: Iterable<string> = [identity.value]): Secret[] {
  const label = `$${credentialVariable(identity.name)}`;
  const out: Secret[] = [];
  for (const value of values) {
    out.push({ value, label });
    const bare = /^\S+\s+(\S.*)$/.exec(value)?.[1];
    if (bare !== undefined) out.push({ value: bare, label });
    const cookie = /^[^=\s;]+=(.+)$/.exec(value)?.[1];
    if (cookie !== undefined) out.push({ value: cookie, label });
    const signature = /^(?:\S+\s+)?eyJ[\w-]*\.[\w-]+\.([\w-]{16,})$/.exec(value)?.[1];
    if (signature !== undefined) out.push({ value: signature, label });
  }
  return out;
}

/** The forms a secret takes inside a report's strings. */
function variants(value: string): string[] {
  const json = JSON.stringify(value).slice(1, -1);
  const form = new URLSearchParams({ x: value }).toString().slice(2);
  const forms = [value, json, encodeURIComponent(value), form];
  return [...new Set([...forms, ...forms.map((f) => f.replaceAll("'", `'\\''`))])].filter((v) => v.length >= MIN_LENGTH);
}

export function redactString(s: string, secrets: readonly Secret[]): string {
  let out = s;
  for (const { value, label } of secrets) for (const v of variants(value)) if (out.includes(v)) out = out.replaceAll(v, label);
  return out;
}

function walk(value: unknown, secrets: readonly Secret[]): unknown {
  if (typeof value === 'string') return redactString(value, secrets);
  if (Array.isArray(value)) return value.map((v) => walk(v, secrets));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = walk(v, secrets);
    return out;
  }
  return value;
}

/** A URL without user-info (`http://user:pass@host` -> `http://host`). */
export function withoutUserInfo(url: string): string {
  try {
    const u = new URL(url);
    if (u.username === '' && u.password === '') return url;
    u.username = '';
    u.password = '';
    return u.href;
  } catch {
    return url;
  }
}

/** The report with every secret replaced, longest first so a token is never half replaced. */
export function redactReport(report: ScanReport, secrets: readonly Secret[]): ScanReport {
  const url = new URL(report.target);
  const all = [...secrets];
  if (url.password !== '') all.push({ value: decodeURIComponent(url.password), label: '[redacted]' });
  const usable = all.filter((s) => s.value.length >= MIN_LENGTH).sort((a, b) => b.value.length - a.value.length);
  const redacted = walk({ ...report, target: withoutUserInfo(report.target) }, usable) as ScanReport;
  return redacted;
}
