/**
 * What a field is, by its name, type and format: an identifier, a secret, personal data, a
 * privileged setting, a URL, free text. Names are evidence, not proof: every threat cites the
 * field, so a reader judges it in one look (docs/threat-model.md, "Limits").
 */
import { typesOf } from '../audit/schema-walk.js';
import { isSensitiveName, normName } from '../audit/rules/util.js';
import type { Json } from '../audit/raw.js';
import type { Field } from './facts.js';

export function isString(s: Json): boolean {
  return typesOf(s).includes('string');
}

export function isBinary(s: Json): boolean {
  return s.type === 'file' || (isString(s) && ['binary', 'byte', 'base64'].includes(String(s.format)));
}

/** Names an object: `id`, `userId`, `order_id`, `uuid`; any path parameter that is not a fixed choice or a version. */
export function isIdentifier(f: Field): boolean {
  if (f.in === 'header' || f.in === 'cookie') return false;
  if (f.schema.enum !== undefined || f.schema.const !== undefined) return false;
  const n = normName(f.name);
  if (f.schema.readOnly === true) return false;
  const types = typesOf(f.schema);
  if (types.some((t) => t === 'object' || t === 'array' || t === 'boolean')) return false;
  const idLike = n === 'id' || n.endsWith('uuid') || n.endsWith('guid') || /(Id|ID|_id|-id|\.id)$/.test(f.name);
  if (f.in !== 'path') return idLike;
  // A path segment names an object; whose it is matters when it is a record (a number, a uuid, an
  // id) or an account, not a public name (a tag, a country, a language).
  return idLike || types.includes('integer') || f.schema.format === 'uuid' || OWNED.has(n);
}

const OWNED = new Set(['user', 'username', 'owner', 'account', 'login', 'customer', 'org', 'organization', 'tenant', 'repo', 'project',
  'team', 'member', 'handle', 'profile', 'wallet', 'invoice', 'order', 'document', 'file', 'session']);

/** Credentials and regulated data (passwords, tokens, keys, card numbers, SSNs). */
export function isSecretField(f: Field): boolean {
  const types = typesOf(f.schema);
  // A secret is a value: a list or an object named `secrets` holds them, and is looked at field by field.
  if (f.schema.writeOnly === true || types.includes('object') || types.includes('array')) return false;
  return isSensitiveName(f.name) && !normName(f.name).includes('secretar');
}

const PERSONAL = ['email', 'phone', 'mobile', 'address', 'street', 'postcode', 'postalcode', 'zip', 'zipcode', 'birth', 'dob', 'dateofbirth',
  'iban', 'passport', 'nationalid', 'taxid', 'firstname', 'lastname', 'fullname', 'surname', 'ipaddress', 'geolocation', 'latitude', 'longitude'];

/** Personal data (GDPR): contact details, dates of birth, identity numbers, location. */
export function isPersonalField(f: Field): boolean {
  const n = normName(f.name);
  if (f.schema.format === 'email') return true;
  return PERSONAL.some((p) => n === p || (p.length > 4 && n.includes(p)));
}

const PRIVILEGED = new Set(['role', 'roles', 'isadmin', 'admin', 'superuser', 'issuperuser', 'permission', 'permissions', 'privilege', 'privileges',
  'scope', 'scopes', 'group', 'groups', 'balance', 'credit', 'credits', 'verified', 'isverified', 'emailverified', 'approved', 'isapproved',
  'owner', 'ownerid', 'plan', 'tier', 'isstaff', 'staff', 'accesslevel', 'usertype', 'accounttype', 'discount', 'price']);

/** A writable field that grants rights or value when a client sets it: role, isAdmin, balance, price. */
export function isPrivilegedField(f: Field): boolean {
  return f.schema.readOnly !== true && PRIVILEGED.has(normName(f.name));
}

const URL_FORMATS = new Set(['uri', 'url', 'uri-reference', 'iri', 'iri-reference', 'uri-template']);
const URL_NAMES = new Set(['url', 'uri', 'callback', 'callbackurl', 'webhook', 'webhookurl', 'redirect', 'redirecturi', 'redirecturl', 'returnurl',
  'returnto', 'next', 'nexturl', 'endpoint', 'target', 'targeturl', 'destination', 'link', 'href', 'imageurl', 'avatarurl', 'feed', 'feedurl', 'proxy']);

/** A URL the service may fetch or redirect to. */
export function isUrlField(f: Field): boolean {
  if (!isString(f.schema) && f.schema.type !== undefined) return false;
  if (f.schema.enum !== undefined || f.schema.readOnly === true) return false;
  const n = normName(f.name);
  return URL_FORMATS.has(String(f.schema.format)) || URL_NAMES.has(n) || n.endsWith('url') || n.endsWith('uri');
}

/** A string the contract leaves free (no enum, const, format or pattern): what the injection guard scans by default. */
export function isFreeString(f: Field): boolean {
  const s = f.schema;
  return isString(s) && !isBinary(s) && s.readOnly !== true && s.enum === undefined && s.const === undefined && s.format === undefined && s.pattern === undefined;
}

/** Secrets a caller proves who they are with: guessing them is the attack. */
export function isGuessableSecret(f: Field): boolean {
  const n = normName(f.name);
  return (f.in === 'body' || f.in === 'query' || f.in === 'header') && f.schema.readOnly !== true
    && (n.includes('password') || n.includes('passcode') || ['pin', 'otp', 'totp', 'mfacode', 'verificationcode', 'code2fa', 'twofactorcode', 'passwd', 'pwd'].includes(n));
}

const PAGE_SIZE = new Set(['limit', 'size', 'pagesize', 'perpage', 'count', 'top', 'max', 'maxresults', 'maxitems', 'first', 'last', 'pagelimit', 'take', 'rows']);

/** A query parameter that sets how many items one answer holds, with no maximum. */
export function isUnboundedPageSize(f: Field): boolean {
  const t = typesOf(f.schema);
  return f.in === 'query' && PAGE_SIZE.has(normName(f.name)) && (t.includes('integer') || t.includes('number') || t.length === 0)
    && f.schema.maximum === undefined && typeof f.schema.exclusiveMaximum !== 'number' && f.schema.enum === undefined;
}
