/**
 * Server-side request forgery: a URL the server will fetch that points back inside — loopback, link-local
 * (cloud metadata at 169.254.169.254), private and carrier-grade NAT ranges, IPv6 local ranges and IPv4-mapped
 * forms — or uses a scheme that reaches other protocols (file:, gopher:, dict:...). Host spellings that
 * evade naive checks (2130706433, 0x7f.1, 0177.0.0.1, [::ffff:127.0.0.1], user@host) are normalised by the
 * WHATWG URL parser, the one Node's fetch uses, so we judge the host the request would really go to.
 * Names that resolve to such addresses need DNS: that is the injection policy's job (isPrivateAddress is
 * exported for it); here only names that are internal by definition are flagged.
 */
import { RULES } from './rules.js';
import { finding, tok, type Finding, type Level } from './types.js';

const DANGEROUS_SCHEMES = new Set(['file', 'gopher', 'dict', 'ldap', 'ldaps', 'tftp', 'jar', 'netdoc', 'phar', 'php', 'expect', 'sftp', 'smb']);
const FETCH_SCHEMES = new Set(['http', 'https', 'ws', 'wss', 'ftp']);

const INTERNAL_NAMES = new Set(['localhost', 'metadata', 'metadata.google.internal', 'instance-data', 'kubernetes.default', 'kubernetes.default.svc']);
/** Public wildcard DNS services that answer with the address spelled in the name (127.0.0.1.nip.io). */
const REBINDING_SUFFIXES = ['.nip.io', '.sslip.io', '.xip.io', '.localtest.me', '.lvh.me', '.localhost', '.internal', '.local'];

function ipv4Parts(host: string): number[] | undefined {
  const parts = host.split('.');
  if (parts.length !== 4) return undefined;
  const out: number[] = [];
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    out.push(v);
  }
  return out;
}

function privateV4(p: readonly number[]): boolean {
  const [a = 0, b = 0] = p;
  return a === 0 || a === 10 || a === 127 || (a === 169 && b === 254) || (a === 172 && b >= 16 && b <= 31) ||
    (a === 192 && b === 168) || (a === 100 && b >= 64 && b <= 127) || (a === 192 && b === 0 && p[2] === 0) ||
    (a === 198 && (b === 18 || b === 19)) || a >= 224;
}

/** Whether an IP address (v4 dotted, or v6 with or without brackets) is not a public unicast address. */
export function isPrivateAddress(address: string): boolean {
  let h = address.toLowerCase();
  if (h.startsWith('[') && h.endsWith(']')) h = h.slice(1, -1);
  const v4 = ipv4Parts(h);
  if (v4) return privateV4(v4);
  if (!h.includes(':')) return false;
  if (h === '::' || h === '::1') return true;
  // IPv4-mapped / -compatible: ::ffff:127.0.0.1 or ::ffff:7f00:1 (the URL parser's spelling)
  const mapped = /^(?:0{0,4}:){0,5}(?:ffff:)?(\d+\.\d+\.\d+\.\d+)$/.exec(h);
  if (mapped?.[1]) { const p = ipv4Parts(mapped[1]); return p ? privateV4(p) : false; }
  const hex = /^::(?:ffff:)?([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(h);
  if (hex?.[1] && hex[2]) {
    const hi = parseInt(hex[1], 16), lo = parseInt(hex[2], 16);
    return privateV4([hi >> 8, hi & 255, lo >> 8, lo & 255]);
  }
  const first = parseInt(h.split(':')[0] || '0', 16);
  return (first & 0xfe00) === 0xfc00 || (first & 0xffc0) === 0xfe80 || (first & 0xff00) === 0xff00 ||
    h.startsWith('fd00:ec2::');
}

export function isInternalHost(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/\.$/, '');
  if (INTERNAL_NAMES.has(h)) return true;
  if (isPrivateAddress(h)) return true;
  for (const s of REBINDING_SUFFIXES) if (h.endsWith(s) || h === s.slice(1)) return true;
  return false;
}

function startsLikeUrl(s: string): boolean {
  let i = 0;
  while (i < s.length && s.charCodeAt(i) <= 32) i++;
  if (s.charCodeAt(i) === 47 && s.charCodeAt(i + 1) === 47) return true;
  const start = i;
  while (i < s.length && i - start < 16) {
    const c = s.charCodeAt(i) | 32;
    if (!((c >= 97 && c <= 122) || (i > start && ((c >= 48 && c <= 57) || c === 43 || c === 45 || c === 46)))) break;
    i++;
  }
  return i > start && s.charCodeAt(i) === 58;
}

/** Cloud metadata services: the credentials of the machine are one GET away. */
const METADATA = new Set(['169.254.169.254', '169.254.170.2', '100.100.100.200', 'metadata.google.internal', 'metadata', 'instance-data',
  '[fd00:ec2::254]', 'metadata.azure.internal']);

/** The host as written in the URL text (after userinfo, before port/path), lower case. */
function writtenHost(text: string): string {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(?:[^/?#@]*@)?(\[[^\]]*\]|[^/?#:]*)/i.exec(text);
  return (m?.[1] ?? '').toLowerCase();
}

/**
 * @param urlField the contract says the value is a URL: scheme-less values ("127.0.0.1:8080/x", "//host")
 *   are read as http URLs too, and any internal address is refused at level 1. Otherwise only a value that is
 *   entirely an absolute URL is judged, and a plain loopback or private address in it only from level 2 (spec
 *   examples and callbacks on developer machines are full of them); metadata addresses and disguised spellings
 *   of internal addresses are refused at level 1 everywhere.
 */
export function detectSsrf(value: string, urlField: boolean, level: Level): Finding | undefined {
  // Outside URL fields only a value that starts like a URL is judged: most values have no ':' at all.
  if (!urlField && !startsLikeUrl(value)) return undefined;
  const v = value.trim();
  if (v.length === 0) return undefined;
  const colon = v.indexOf(':');
  const scheme = colon > 0 && /^[a-z][a-z0-9+.-]*$/i.test(v.slice(0, colon)) ? v.slice(0, colon).toLowerCase() : '';
  const blank = /\s/.test(v);
  // file: outside a URL field is a path: the path-traversal detector judges it.
  // A value that starts with "gopher://" is a URL even when its decoded payload holds blanks.
  if (scheme && DANGEROUS_SCHEMES.has(scheme) && (urlField || (scheme !== 'file' && (!blank || v.startsWith('//', colon + 1)))) && v.charCodeAt(colon + 1) > 32) {
    return finding(RULES.ssrfScheme, 0, Math.min(v.length, 64), [`${scheme}:`]);
  }
  let text: string;
  if (scheme && FETCH_SCHEMES.has(scheme)) text = v;
  else if (blank) return undefined;
  else if (v.startsWith('//')) text = 'http:' + v; // scheme-relative: fetched with the page's scheme
  else if (!urlField) return undefined;
  else if (!scheme || /^\d/.test(v.slice(colon + 1))) text = 'http://' + v; // "localhost:8080/x" has a "scheme" too
  else return undefined;
  if (!urlField && blank) return undefined;
  let host: string;
  try {
    // The host is near the start: a long path or query adds nothing to what the URL parser would find.
    host = new URL(text.length > 8192 ? text.slice(0, 8192) : text).hostname;
  } catch {
    return undefined;
  }
  if (!isInternalHost(host)) return undefined;
  const written = writtenHost(text);
  const disguised = written !== host && written !== `${host}.` && /^[\d.x[:a-f\]]+$/i.test(written);
  const tokens = [tok(v, 0, Math.min(v.length, 64)), host];
  if (METADATA.has(host) || disguised) return finding(RULES.ssrfMetadata, 0, Math.min(v.length, 64), tokens);
  if (urlField) return finding(RULES.ssrfInternal, 0, Math.min(v.length, 64), tokens);
  return level >= 2 ? finding(RULES.ssrfInternalText, 0, Math.min(v.length, 64), tokens) : undefined;
}
