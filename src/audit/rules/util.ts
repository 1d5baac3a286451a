import type { Operation } from '../../openapi/types.js';
import { child, isObject, type Json, type RawDoc } from '../raw.js';

/** A path segment that names an administrative area. */
export const ADMIN_PATH = /(^|\/)(admin|administration|manage|management|superuser|root)(\/|$)/i;

export const WRITE_METHODS: ReadonlySet<string> = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** `newPassword` -> `newpassword`: names compared without case, `_` or `-`. */
export function normName(name: string): string {
  return name.toLowerCase().replace(/[_\-.\s]/g, '');
}

/** `clientSecretHash` -> [client, secret, hash]; `dependabot_secrets` -> [dependabot, secrets]. */
export function wordsOf(name: string): string[] {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2').toLowerCase().split(/[^a-z0-9]+/).filter((w) => w !== '');
}

const SENSITIVE_EXACT = new Set([
  'password', 'passwd', 'pwd', 'secret', 'clientsecret', 'apikey', 'apisecret', 'accesstoken', 'refreshtoken', 'idtoken',
  'token', 'authtoken', 'sessiontoken', 'ssn', 'socialsecuritynumber', 'cardnumber', 'creditcard', 'creditcardnumber',
  'pan', 'cvv', 'cvc', 'cvv2', 'pin', 'privatekey', 'secretkey',
]);
/** Whole words that name a secret wherever they stand in a longer name (`db_password`, `webhookSecret`). */
const SENSITIVE_WORDS = new Set(['password', 'passwords', 'passwd', 'secret', 'secrets', 'passphrase']);
/**
 * A last word that makes the name about the secret, not the secret itself: `password_changed_at`,
 * `secret_scanning_enabled`, `token_url`, `secret_name`.
 */
const ABOUT_WORDS = new Set([
  'enabled', 'disabled', 'required', 'set', 'exists', 'present', 'configured', 'expires', 'expiry', 'expiration', 'expired', 'changed', 'updated',
  'created', 'at', 'on', 'date', 'time', 'timestamp', 'policy', 'policies', 'hint', 'length', 'strength', 'url', 'uri', 'link', 'href', 'count',
  'type', 'types', 'name', 'names', 'id', 'ids', 'scanning', 'status', 'state', 'mode', 'rotation', 'version', 'location', 'path', 'ref', 'reference',
  'label', 'description', 'provider', 'manager', 'alerts', 'alert', 'protection', 'authentication', 'reset', 'rules', 'rule', 'age', 'days',
]);

/** Property names that carry credentials or regulated personal data (PCI DSS, SSNs), judged by name alone. */
export function isSensitiveName(name: string): boolean {
  return sensitiveNameMatch(name) !== undefined;
}

/** `exact`: the whole name is a secret's (`password`); `word`: a secret word inside a longer name (`db_password`). */
export function sensitiveNameMatch(name: string): 'exact' | 'word' | undefined {
  const n = normName(name);
  if (SENSITIVE_EXACT.has(n)) return 'exact';
  const words = wordsOf(name);
  const last = words[words.length - 1] ?? '';
  if (ABOUT_WORDS.has(last)) return undefined;
  if (words.some((w) => SENSITIVE_WORDS.has(w)) || n.endsWith('privatekey')) return 'word';
  return undefined;
}

/**
 * What a value's schema says about whether it can hold a secret or free text, after `$ref`s:
 * `text` (a string, or untyped), `list` (an array of such), or `other` (booleans, numbers, enums,
 * objects, arrays of objects, dates and URLs): a boolean named `secret_scanning_enabled` or an
 * enum `dependabot_secrets: read|write` holds no secret, whatever its name says.
 */
export type ValueShape = 'text' | 'untyped' | 'list' | 'other';
const NOT_SECRET_FORMATS = new Set(['date', 'date-time', 'time', 'uri', 'url', 'uri-reference', 'email', 'uuid', 'ipv4', 'ipv6', 'hostname', 'int32', 'int64']);

export function valueShape(schema: unknown, resolve: (n: unknown) => Json | undefined, depth = 0): ValueShape {
  const s = resolve(schema);
  if (s === undefined) return isObject(schema) && typeof schema.$ref === 'string' ? 'other' : 'untyped';
  if (s.enum !== undefined || s.const !== undefined) return 'other';
  const t = typeof s.type === 'string' ? [s.type] : Array.isArray(s.type) ? s.type.filter((x): x is string => typeof x === 'string') : [];
  const nonNull = t.filter((x) => x !== 'null');
  if (nonNull.length === 0) {
    if (isObject(s.properties) || s.allOf !== undefined || s.oneOf !== undefined || s.anyOf !== undefined || s.additionalProperties !== undefined) return 'other';
    if (s.items !== undefined) return depth > 2 ? 'other' : valueShape(s.items, resolve, depth + 1) === 'other' ? 'other' : 'list';
    return 'untyped';
  }
  if (nonNull.every((x) => x !== 'string')) {
    if (nonNull.includes('array')) return depth > 2 ? 'other' : valueShape(s.items, resolve, depth + 1) === 'other' ? 'other' : 'list';
    return 'other';
  }
  if (typeof s.format === 'string' && NOT_SECRET_FORMATS.has(s.format)) return 'other';
  return 'text';
}

/** Query parameter names that are credentials whatever else is said about them. */
const CREDENTIAL_NAMES = new Set(['accesstoken', 'apikey', 'apitoken', 'token', 'authtoken', 'clientsecret', 'secret', 'jwt', 'bearer', 'idtoken',
  'refreshtoken', 'password', 'passwd', 'sessiontoken', 'secretkey', 'privatetoken', 'oauthtoken', 'xapikey']);
/**
 * Names that are credentials only sometimes: `key` is as often a cache key or a sort key as an API
 * key, `signature` a document's. They count when the parameter's description says so.
 */
const AMBIGUOUS_CREDENTIAL_NAMES = new Set(['key', 'auth', 'authorization', 'session', 'sessionid', 'sid', 'signature', 'sig', 'code', 'accesskey']);
const CREDENTIAL_WORDING = /\b(api[ _-]?key|access[ _-]?key|token|credential|secret|password|authenticat\w*|bearer|signed request)\b/i;

/** `definite` by name, `described` for an ambiguous name whose description calls it a credential. */
export function credentialEvidence(name: string, description: string | undefined): 'definite' | 'described' | undefined {
  const n = normName(name);
  if (CREDENTIAL_NAMES.has(n)) return 'definite';
  if (AMBIGUOUS_CREDENTIAL_NAMES.has(n) && description !== undefined && CREDENTIAL_WORDING.test(description)) return 'described';
  return undefined;
}

export function isCredentialName(name: string): boolean {
  return credentialEvidence(name, undefined) !== undefined;
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
