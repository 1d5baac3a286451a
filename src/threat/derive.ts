/**
 * The derivations: each reads the facts of one operation (facts.ts) and yields a threat only when
 * the spec says something that opens it, citing where. Nothing here is emitted for every
 * operation by default: an operation the spec gives no reason to suspect gets no threat of
 * that kind. Mitigations are decided later, against a gateway config (mitigate.ts).
 */
import type { Evidence, OwaspCategory, Severity, StrideKey } from './types.js';
import type { DocumentFacts, Field, OperationFacts } from './facts.js';
import {
  isFreeString, isGuessableSecret, isIdentifier, isPersonalField, isPrivilegedField, isSecretField, isUnboundedPageSize, isUrlField,
} from './fields.js';
import { typesOf } from '../audit/schema-walk.js';

/** A threat before the gateway config is read: what the spec opens, and the fields it opens it through. */
export interface Draft {
  readonly id: ThreatId;
  readonly stride: StrideKey;
  readonly owasp: OwaspCategory;
  readonly severity: Severity;
  readonly title: string;
  readonly because: readonly Evidence[];
  readonly remedy: string;
  readonly auditRules: readonly string[];
  readonly scanChecks: readonly string[];
  /** The fields involved (identifiers, sensitive outputs, free strings...), for the mitigation check. */
  readonly fields: readonly Field[];
  /** Scopes the operation requires that no ordinary operation does: a grant of its own, if the gateway checks it. */
  readonly ownScopes?: readonly string[];
}

export type ThreatId =
  | 'TM-AUTHN-NONE' | 'TM-AUTHN-GUESS' | 'TM-REPUDIATION-ANON'
  | 'TM-BOLA-READ' | 'TM-BOLA-WRITE' | 'TM-BFLA-ADMIN' | 'TM-BFLA-UNSCOPED'
  | 'TM-MASS-READONLY' | 'TM-MASS-PRIVILEGED' | 'TM-MASS-UNDECLARED'
  | 'TM-DATA-SECRET' | 'TM-DATA-PERSONAL' | 'TM-DATA-URL'
  | 'TM-DOS-INPUT' | 'TM-DOS-PAGE' | 'TM-FLOW-AUTOMATION'
  | 'TM-INJECTION' | 'TM-SSRF'
  | 'TM-TRANSPORT-HTTP' | 'TM-SCHEME-KEY-IN-URL' | 'TM-SCHEME-TOKEN' | 'TM-SCHEME-BASIC' | 'TM-SCHEME-FLOW';

/** At most this many facts are cited per threat (the rest are counted in the last one). */
export const MAX_CITED = 6;

export function deriveOperation(f: OperationFacts, doc: DocumentFacts): Draft[] {
  const out: Draft[] = [];
  push(unauthenticated(f));
  push(guessing(f));
  push(repudiation(f));
  push(...objectLevel(f));
  push(adminFunction(f, doc));
  push(unscopedWrite(f, doc));
  push(...massAssignment(f));
  push(...exposure(f));
  push(secretsInUrl(f));
  push(inputSize(f));
  push(pageSize(f));
  push(automation(f));
  push(injection(f));
  push(ssrf(f));
  return out;

  function push(...ds: (Draft | undefined)[]): void { for (const d of ds) if (d !== undefined) out.push(d); }
}

const cite = (fields: readonly Field[]): Evidence[] => {
  const shown = fields.slice(0, MAX_CITED).map((x) => x.at);
  if (fields.length > MAX_CITED) {
    const last = shown[shown.length - 1] as Evidence;
    shown[shown.length - 1] = { ...last, says: `${last.says} (and ${fields.length - MAX_CITED} more)` };
  }
  return shown;
};

const names = (fields: readonly Field[]): string => {
  const list = [...new Set(fields.map((x) => `\`${x.path}\``))];
  return list.length <= 4 ? list.join(', ') : `${list.slice(0, 4).join(', ')} and ${list.length - 4} more`;
};

const sensitiveOutputs = (f: OperationFacts): Field[] => f.outputs.filter((x) => isSecretField(x) || isPersonalField(x));

function unauthenticated(f: OperationFacts): Draft | undefined {
  const s = f.security;
  if (!s.anonymous && !s.optional) return undefined;
  const sensitive = sensitiveOutputs(f);
  const because = [s.at];
  if (f.writes !== undefined) because.push(f.writes);
  if (f.admin !== undefined) because.push(f.admin);
  because.push(...cite(sensitive).slice(0, 3));
  const severity: Severity = f.admin !== undefined || (f.writes !== undefined && !s.optional) ? 'high'
    : sensitive.length > 0 || f.writes !== undefined ? 'medium' : 'low';
  const what = f.writes !== undefined ? 'change state' : sensitive.length > 0 ? `read ${names(sensitive)}` : 'call it';
  return {
    id: 'TM-AUTHN-NONE', stride: 'S', owasp: 'API2:2023', severity,
    title: s.optional ? `Credentials are optional: an anonymous caller can ${what}` : `No credential is needed: anyone can ${what}`,
    because,
    remedy: 'Declare a security requirement on the operation; at the gateway, `policies.authentication.fallback` requires a credential for operations the spec leaves open.',
    auditRules: ['GH-AUTH-002', 'GH-AUTH-003', ...(f.admin !== undefined ? ['GH-OP-004'] : [])],
    scanChecks: ['auth-undeclared', 'auth'],
    fields: [],
  };
}

function guessing(f: OperationFacts): Draft | undefined {
  const secrets = f.inputs.filter(isGuessableSecret);
  if (secrets.length === 0) return undefined;
  return {
    id: 'TM-AUTHN-GUESS', stride: 'S', owasp: 'API2:2023', severity: 'high',
    title: `Guessing ${names(secrets)}: credential stuffing and brute force`,
    because: cite(secrets),
    remedy: 'Limit failed attempts per address and per account (`policies.authFailures`), and rate limit the operation (`policies.rateLimit` by ip).',
    auditRules: ['GH-RATE-001', 'GH-RESP-003'],
    scanChecks: ['enumeration', 'rate-limit'],
    fields: secrets,
  };
}

function repudiation(f: OperationFacts): Draft | undefined {
  if (f.writes === undefined || !(f.security.anonymous || f.security.optional)) return undefined;
  return {
    id: 'TM-REPUDIATION-ANON', stride: 'R', owasp: 'API2:2023', severity: 'medium',
    title: 'A change no one can be held to: the caller who made it is unknown',
    because: [f.writes, f.security.at],
    remedy: 'Require a credential for the change, so the gateway\'s decision trail (`gatehouse audit-log`) records who made it.',
    auditRules: ['GH-AUTH-002'],
    scanChecks: [],
    fields: [],
  };
}

function objectLevel(f: OperationFacts): Draft[] {
  const ids = f.inputs.filter(isIdentifier);
  if (ids.length === 0) return [];
  const sequential = ids.some((x) => x.in === 'path' && typesOf(x.schema).includes('integer'));
  const auditRules = sequential ? ['GH-BOLA-001'] : [];
  if (f.writes !== undefined) {
    return [{
      id: 'TM-BOLA-WRITE', stride: 'T', owasp: 'API1:2023', severity: 'high',
      title: `Changing another caller's object by choosing ${names(ids)}`,
      because: [f.writes, ...cite(ids)],
      remedy: 'Bind each identifier to the caller (`policies.objectAuth` rule on the parameter with a claim, or an owner lookup), and check ownership in the service.',
      auditRules, scanChecks: ['bola-write'], fields: ids,
    }];
  }
  const sensitive = sensitiveOutputs(f);
  return [{
    id: 'TM-BOLA-READ', stride: 'I', owasp: 'API1:2023', severity: sensitive.length > 0 ? 'high' : 'medium',
    title: `Reading another caller's object by choosing ${names(ids)}${sensitive.length > 0 ? `, with ${names(sensitive)}` : ''}`,
    because: [...cite(ids), ...cite(sensitive).slice(0, 2)],
    remedy: 'Bind each identifier to the caller (`policies.objectAuth` rule on the parameter with a claim, or an owner lookup), and check ownership in the service.',
    auditRules, scanChecks: ['bola'], fields: ids,
  }];
}

function adminFunction(f: OperationFacts, doc: DocumentFacts): Draft | undefined {
  if (f.admin === undefined) return undefined;
  const ordinary = new Set(doc.operations.filter((o) => o.admin === undefined).flatMap((o) => o.security.scopes));
  const ownScopes = f.security.optional ? [] : f.security.scopes.filter((s) => !ordinary.has(s));
  return {
    ownScopes,
    id: 'TM-BFLA-ADMIN', stride: 'E', owasp: 'API5:2023', severity: 'high',
    title: 'An administrative function reachable by an ordinary caller',
    because: [f.admin, f.security.at],
    remedy: 'Require an admin role or scope for it (`policies.authorization.admin` with roles, or a scope in the spec\'s security that only administrators hold).',
    auditRules: ['GH-OP-004', 'GH-OP-005'],
    scanChecks: ['bfla'],
    fields: [],
  };
}

function unscopedWrite(f: OperationFacts, doc: DocumentFacts): Draft | undefined {
  const s = f.security;
  if (f.writes === undefined || f.admin !== undefined || s.anonymous || s.optional || s.scopes.length > 0 || !doc.usesScopes) return undefined;
  const scoped = doc.operations.find((o) => o.security.scopes.length > 0);
  return {
    id: 'TM-BFLA-UNSCOPED', stride: 'E', owasp: 'API5:2023', severity: 'medium',
    title: 'Any authenticated caller may make this change: it needs no scope where others do',
    because: [f.writes, s.at, ...(scoped === undefined ? [] : [scoped.security.at])],
    remedy: 'Give the operation a scope in its security requirement, or an `policies.authorization` rule with the scopes or roles it needs.',
    auditRules: ['GH-AUTH-014'],
    scanChecks: ['bfla'],
    fields: [],
  };
}

function massAssignment(f: OperationFacts): Draft[] {
  if (f.writes === undefined) return [];
  const body = f.inputs.filter((x) => x.in === 'body');
  const out: Draft[] = [];
  const readOnly = body.filter((x) => x.schema.readOnly === true);
  if (readOnly.length > 0) {
    out.push({
      id: 'TM-MASS-READONLY', stride: 'T', owasp: 'API3:2023', severity: 'medium',
      title: `Setting server-owned fields ${names(readOnly)} through the request body`,
      because: [f.writes, ...cite(readOnly)],
      remedy: 'Refuse read-only fields in requests (`policies.contract.readOnly: reject`), or give requests a schema without them.',
      auditRules: ['GH-DATA-003'], scanChecks: ['mass-assignment'], fields: readOnly,
    });
  }
  const privileged = body.filter(isPrivilegedField);
  if (privileged.length > 0) {
    out.push({
      id: 'TM-MASS-PRIVILEGED', stride: 'E', owasp: 'API3:2023', severity: 'high',
      title: `The caller sets ${names(privileged)}: rights or value granted by the request itself`,
      because: [f.writes, ...cite(privileged)],
      remedy: 'Remove these fields from the request schema (the contract then refuses them) or mark them readOnly; the service must decide them.',
      auditRules: ['GH-DATA-003'], scanChecks: ['mass-assignment'], fields: privileged,
    });
  }
  if (f.openBody !== undefined) {
    out.push({
      id: 'TM-MASS-UNDECLARED', stride: 'T', owasp: 'API3:2023', severity: 'medium',
      title: 'Fields the contract does not name reach the service (the request object is open)',
      because: [f.writes, f.openBody],
      remedy: 'Refuse undeclared fields (`policies.contract.unknownFields: reject`), and write `additionalProperties: false` in the spec.',
      auditRules: ['GH-INPUT-004'], scanChecks: ['mass-assignment'], fields: [],
    });
  }
  return out;
}

function exposure(f: OperationFacts): Draft[] {
  const out: Draft[] = [];
  const secrets = f.outputs.filter(isSecretField);
  if (secrets.length > 0) {
    out.push({
      id: 'TM-DATA-SECRET', stride: 'I', owasp: 'API3:2023', severity: 'high',
      title: `The response returns credentials or regulated data: ${names(secrets)}`,
      because: cite(secrets),
      remedy: 'Remove them from the response schema (the contract then strips them), or mask them at the gateway (`policies.masking` with drop or redact).',
      auditRules: ['GH-DATA-001'], scanChecks: ['exposure'], fields: secrets,
    });
  }
  const personal = f.outputs.filter((x) => isPersonalField(x) && !isSecretField(x));
  if (personal.length > 0) {
    out.push({
      id: 'TM-DATA-PERSONAL', stride: 'I', owasp: 'API3:2023', severity: f.list !== undefined ? 'medium' : 'low',
      title: `Personal data in the response: ${names(personal)}${f.list !== undefined ? ', many records per answer' : ''}`,
      because: [...cite(personal), ...(f.list === undefined ? [] : [f.list])],
      remedy: 'Mask what the caller does not need (`policies.masking` by path or category, with unlessRole for those who do), or drop it from the schema.',
      auditRules: ['GH-DATA-001'], scanChecks: ['exposure'], fields: personal,
    });
  }
  return out;
}

function secretsInUrl(f: OperationFacts): Draft | undefined {
  const inUrl = f.inputs.filter((x) => x.in === 'query' && (isSecretField(x) || isPersonalField(x) || isGuessableSecret(x)));
  if (inUrl.length === 0) return undefined;
  return {
    id: 'TM-DATA-URL', stride: 'I', owasp: 'API3:2023', severity: inUrl.some((x) => isSecretField(x) || isGuessableSecret(x)) ? 'high' : 'medium',
    title: `Sensitive values in the URL (${names(inUrl)}) end up in logs, history and referrers`,
    because: cite(inUrl),
    remedy: 'Move them to the body or a header in the spec; no gateway setting keeps a URL out of every log on the way.',
    auditRules: ['GH-DATA-005', 'GH-AUTH-005'], scanChecks: [], fields: inUrl,
  };
}

function inputSize(f: OperationFacts): Draft | undefined {
  const strings = f.inputs.filter((x) => isFreeStringUnbounded(x));
  const arrays = f.inputs.filter((x) => typesOf(x.schema).includes('array') && x.schema.maxItems === undefined && x.schema.readOnly !== true);
  const fields = [...strings, ...arrays];
  if (fields.length === 0 && f.upload === undefined) return undefined;
  return {
    id: 'TM-DOS-INPUT', stride: 'D', owasp: 'API4:2023', severity: f.upload !== undefined || arrays.length > 0 ? 'medium' : 'low',
    title: `Inputs without a size bound: ${[f.upload === undefined ? '' : 'an upload', fields.length > 0 ? names(fields) : ''].filter(Boolean).join(', ')}`,
    because: [...(f.upload === undefined ? [] : [f.upload]), ...cite(fields)],
    remedy: 'Give each input maxLength / maxItems in the spec; the gateway bounds what it validates with `limits.maxStringLength`, `limits.maxJsonElements` and `limits.maxBodyBytes`.',
    auditRules: ['GH-INPUT-001', 'GH-INPUT-003', 'GH-INPUT-005'], scanChecks: ['fuzz'], fields,
  };
}

function isFreeStringUnbounded(x: Field): boolean {
  const s = x.schema;
  return typesOf(s).includes('string') && s.readOnly !== true && s.maxLength === undefined && s.enum === undefined && s.const === undefined && s.format === undefined && s.pattern === undefined;
}

function pageSize(f: OperationFacts): Draft | undefined {
  const sizes = f.inputs.filter(isUnboundedPageSize);
  if (sizes.length === 0) return undefined;
  return {
    id: 'TM-DOS-PAGE', stride: 'D', owasp: 'API4:2023', severity: 'medium',
    title: `One request can ask for any number of records (${names(sizes)} has no maximum)`,
    because: [...cite(sizes), ...(f.list === undefined ? [] : [f.list])],
    remedy: 'Give the parameter a `maximum` in the spec (the contract then refuses larger values); rate limit the operation (`policies.rateLimit`).',
    auditRules: ['GH-INPUT-002'], scanChecks: ['rate-limit'], fields: sizes,
  };
}

function automation(f: OperationFacts): Draft | undefined {
  if (f.op.method !== 'POST' || f.writes === undefined) return undefined;
  const anonymous = f.security.anonymous || f.security.optional;
  return {
    id: 'TM-FLOW-AUTOMATION', stride: 'D', owasp: 'API6:2023', severity: anonymous ? 'medium' : 'low',
    title: `The flow can be automated: scripted ${f.op.summary === undefined ? 'creation' : `"${f.op.summary}"`} at machine speed${anonymous ? ' by anyone' : ''}`,
    because: [f.writes, f.security.at],
    remedy: 'Rate limit the operation per identity and per address (`policies.rateLimit` with by: identity / ip), with a quota where the flow has a business cost.',
    auditRules: ['GH-RATE-001', 'GH-RESP-003'], scanChecks: ['rate-limit'], fields: [],
  };
}

function injection(f: OperationFacts): Draft | undefined {
  const free = f.inputs.filter((x) => (x.in === 'body' || x.in === 'query' || x.in === 'path' || x.in === 'header') && isFreeString(x) && !isUrlField(x));
  if (free.length === 0) return undefined;
  const checks = ['injection', 'ssti'];
  if (free.some((x) => /file|path|dir|name/i.test(x.name))) checks.push('traversal');
  if (Object.keys(f.op.requestBody?.content ?? {}).some((m) => /xml/i.test(m))) checks.push('xxe');
  return {
    id: 'TM-INJECTION', stride: 'T', owasp: 'API8:2023', severity: 'medium',
    title: `Free-form text reaches the service unchecked: ${names(free)} (SQL, NoSQL, command, template injection)`,
    because: cite(free),
    remedy: 'Give the values a shape in the spec (enum, format, pattern); at the gateway, the injection guard (`policies.injection`) scans what the contract leaves free.',
    auditRules: ['GH-INPUT-001', 'GH-INPUT-009'], scanChecks: checks, fields: free,
  };
}

function ssrf(f: OperationFacts): Draft | undefined {
  const urls = f.inputs.filter(isUrlField);
  if (urls.length === 0) return undefined;
  return {
    id: 'TM-SSRF', stride: 'E', owasp: 'API7:2023', severity: 'high',
    title: `The service is given a URL (${names(urls)}): it may fetch internal addresses or redirect callers away`,
    because: cite(urls),
    remedy: 'Allow-list hosts in the service and resolve-then-check addresses there; the gateway\'s injection guard refuses private, loopback and metadata addresses written in the value.',
    auditRules: ['GH-INPUT-006'], scanChecks: ['ssrf', 'open-redirect'], fields: urls,
  };
}
