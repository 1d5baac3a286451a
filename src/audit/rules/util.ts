import type { Operation } from '../../openapi/types.js';
import { child, isObject, type Json, type RawDoc } from '../raw.js';

export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `newPassword` -> `newpassword`: names compared without case, `_` or `-`. */
export function normName(name: string): string {
  return name.toLowerCase().replace(/[_\-.\s]/g, '');
}

const SENSITIVE_EXACT = new Set([
  'password', 'passwd', 'pwd', 'secret', 'clientsecret', 'apikey', 'apisecret', 'accesstoken', 'refreshtoken', 'idtoken',
  'token', 'authtoken', 'sessiontoken', 'ssn', 'socialsecuritynumber', 'cardnumber', 'creditcard', 'creditcardnumber',
  'pan', 'cvv', 'cvc', 'cvv2', 'pin', 'privatekey', 'secretkey',
]);

/** Property names that carry credentials or regulated personal data (PCI DSS, SSNs). */
export function isSensitiveName(name: string): boolean {
  const n = normName(name);
  return SENSITIVE_EXACT.has(n) || n.includes('password') || n.includes('secret') || n.endsWith('privatekey');
}

export function isCredentialName(name: string): boolean {
  const n = normName(name);
  return ['accesstoken', 'apikey', 'token', 'authtoken', 'auth', 'authorization', 'key', 'secret', 'clientsecret', 'jwt', 'bearer',
    'sessionid', 'session', 'sid', 'idtoken', 'refreshtoken', 'password', 'signature', 'sig'].includes(n);
}

/** The raw operation object (operations' pointers are into the root document). */
export function rawOp(raw: RawDoc, op: Operation): Json {
  const n = raw.get(op.pointer);
  return isObject(n) ? n : {};
}

export interface ServerRef { readonly url: string; readonly pointer: string; readonly variables: Json }

/** Every server URL as written, with its pointer; 2.0 builds them from schemes/host/basePath. */
export function serverRefs(raw: RawDoc, version: string): ServerRef[] {
  const out: ServerRef[] = [];
  const root = raw.root;
  if (version === '2.0') {
    if (typeof root.host !== 'string') return out;
    const schemes = Array.isArray(root.schemes) && root.schemes.length > 0 ? root.schemes.map(String) : ['https'];
    const base = typeof root.basePath === 'string' ? root.basePath : '';
    schemes.forEach((s, i) => out.push({ url: `${s}://${String(root.host)}${base}`, pointer: Array.isArray(root.schemes) ? `/schemes/${i}` : '/host', variables: {} }));
    return out;
  }
  const add = (list: unknown, ptr: string): void => {
    if (Array.isArray(list)) list.forEach((s, i) => {
      if (isObject(s) && typeof s.url === 'string') out.push({ url: s.url, pointer: child(ptr, i, 'url'), variables: isObject(s.variables) ? s.variables : {} });
    });
  };
  add(root.servers, '/servers');
  const paths = isObject(root.paths) ? root.paths : {};
  for (const [p, item] of Object.entries(paths)) {
    if (!isObject(item)) continue;
    add(item.servers, child('/paths', p, 'servers'));
    for (const [m, op] of Object.entries(item)) if (isObject(op)) add(op.servers, child('/paths', p, m, 'servers'));
  }
  return out;
}

/** Server URL with `{var}` replaced by the variable's default (3.x server variables). */
export function expandServer(s: ServerRef): string {
  return s.url.replace(/\{([^}]+)\}/g, (_m, name: string) => {
    const v = s.variables[name];
    return isObject(v) && typeof v.default === 'string' ? v.default : 'x';
  });
}

export function hostOf(url: string): string | undefined {
  const m = /^[a-z][a-z0-9+.-]*:\/\/(\[[^\]]+\]|[^/:?#]*)/i.exec(url);
  return m?.[1]?.toLowerCase();
}

/** Status codes of an operation's responses (`200`, `4XX`, `default`), upper-cased. */
export function statusCodes(op: Operation): Set<string> {
  return new Set(Object.keys(op.responses).map((c) => c.toUpperCase()));
}

export function hasSecurity(op: Operation): boolean {
  return op.security.some((req) => Object.keys(req).length > 0);
}
