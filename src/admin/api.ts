import type { IncomingMessage, ServerResponse } from 'node:http';
import { problemFor, type Denial, type ErrorCode } from '../errors/index.js';
import { findJsonAmbiguity } from '../gateway/json-strict.js';
import { isQueryFailure, parseQuery } from '../gateway/query.js';
import { requestIdFor } from '../gateway/request-id.js';
import { compileContract, createRouter, loadSpecFromString, type Router } from '../openapi/index.js';
import type { Operation } from '../openapi/types.js';
import type { OperationValidators, ValidationIssue } from '../openapi/validator-types.js';
import type { AdminPrincipal } from './auth.js';
import { ADMIN_OPENAPI } from './openapi.js';
import { ADMIN_ROLES, holdsRole, type AdminRole } from './tokens.js';

export const API_BASE = '/admin/api/v1';
/** Admin request bodies are small objects; anything larger is not one of ours. */
const MAX_BODY_BYTES = 64 * 1024;

/** What a handler receives: validated input, who called, and where to answer. */
export interface ApiCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly principal: AdminPrincipal;
  readonly operation: string;
  readonly path: Readonly<Record<string, unknown>>;
  readonly query: Readonly<Record<string, unknown>>;
  readonly body: Readonly<Record<string, unknown>> | undefined;
  readonly requestId: string;
}

/** A handler's answer: JSON with a status, a denial, or `undefined` when it answered itself (SSE). */
export type ApiResult = { status: number; body: unknown } | { denial: Denial } | undefined;
export type ApiHandler = (call: ApiCall) => Promise<ApiResult>;

interface Compiled {
  readonly operation: Operation;
  readonly validators: OperationValidators;
  readonly role: AdminRole;
  readonly write: boolean;
}

/** Called for every write, allowed or refused: the decision trail records who did what. */
export type WriteAudit = (call: ApiCall, outcome: { decision: 'allow' | 'deny'; status: number; code?: string; role: AdminRole }) => Promise<void>;

const deny = (code: ErrorCode, detail?: string, errors?: Denial['errors']): { denial: Denial } => ({
  denial: { code, ...(detail === undefined ? {} : { detail }), ...(errors === undefined ? {} : { errors }) },
});

/**
 * The admin API, held to its own contract (src/admin/openapi.ts) by the compiler and router the
 * gateway holds upstream APIs to: an undeclared path or method, an unknown query parameter or
 * body field, a value of the wrong type is refused before a handler runs, with the same problem
 * codes a client of a protected API gets. Fails at construction if the contract cannot be
 * enforced in full, as the gateway does for any spec.
 */
export class AdminApi {
  private readonly router: Router<Compiled>;
  readonly document = ADMIN_OPENAPI;

  constructor(private readonly handlers: Readonly<Record<string, ApiHandler>>, private readonly audit: WriteAudit) {
    const spec = loadSpecFromString(JSON.stringify(ADMIN_OPENAPI), 'admin-openapi.json');
    const contract = compileContract(spec, { unknownFields: 'reject', unknownQuery: 'reject', rejectReadOnly: true });
    if (contract.errors.length > 0) throw new Error(`the admin API contract cannot be enforced: ${contract.errors.map((e) => `${e.pointer}: ${e.message}`).join('; ')}`);
    const entries = spec.operations.map((operation) => {
      const id = operation.operationId ?? operation.id;
      if (handlers[id] === undefined) throw new Error(`admin API operation ${id} has no handler`);
      const role = operation.extensions['x-role'] as AdminRole;
      // An operation without a known role would be open to every principal: refuse to start.
      if (!(ADMIN_ROLES as readonly string[]).includes(role)) throw new Error(`admin API operation ${id} names no x-role of ${ADMIN_ROLES.join(', ')}`);
      const validators = contract.validators.get(operation) as OperationValidators;
      return { basePath: API_BASE, operation, value: { operation, validators, role, write: operation.method !== 'GET' } };
    });
    this.router = createRouter(entries);
  }

  /** Answers one request under API_BASE from an authenticated principal. */
  async serve(req: IncomingMessage, res: ServerResponse, principal: AdminPrincipal, url: string): Promise<void> {
    const requestId = requestIdFor(req.headers['x-request-id']);
    const result = await this.dispatch(req, res, principal, url, requestId);
    if (result === undefined) return;
    if ('denial' in result) return sendProblem(req, res, result.denial, requestId);
    sendJson(res, result.status, result.body, requestId);
  }

  private async dispatch(req: IncomingMessage, res: ServerResponse, principal: AdminPrincipal, url: string, requestId: string): Promise<ApiResult> {
    const q = url.indexOf('?');
    const path = q === -1 ? url : url.slice(0, q);
    const method = req.method === 'HEAD' ? 'GET' : req.method ?? 'GET';
    const match = this.router.match(method, path);
    if (match === undefined) return deny('GH_ROUTE_NOT_FOUND');
    if ('methodNotAllowed' in match) return { denial: { code: 'GH_ROUTE_METHOD_NOT_ALLOWED', headers: { allow: match.allowed.join(', ') } } };
    const route = match.value;
    const id = route.operation.operationId as string;
    const query = parseQuery(q === -1 ? '' : url.slice(q + 1));
    if (isQueryFailure(query)) return deny('GH_REQUEST_MALFORMED', 'the query string cannot be read');
    const params = route.validators.parameters({ path: match.params, query: query as Record<string, string | string[]>, headers: req.headers, cookies: {} });
    const base = { req, res, principal, operation: id, path: params.values.path, query: params.values.query, requestId };
    if (!holdsRole(principal, route.role)) {
      const refused = deny('GH_AUTHZ_FORBIDDEN', `${id} needs the ${route.role} role`);
      if (route.write) await this.audit({ ...base, body: undefined }, { decision: 'deny', status: 403, code: 'GH_AUTHZ_FORBIDDEN', role: route.role });
      return refused;
    }
    if (route.write) {
      // Writes come from the console (same origin) or from scripts (no Origin): a browser sends
      // the Origin of the page that made the request, so a page elsewhere cannot act through an
      // operator's browser even if it found a way to attach the token.
      const crossSite = isCrossOrigin(req);
      if (crossSite !== undefined) {
        await this.audit({ ...base, body: undefined }, { decision: 'deny', status: 403, code: 'GH_AUTHZ_FORBIDDEN', role: route.role });
        return deny('GH_AUTHZ_FORBIDDEN', crossSite);
      }
    }
    const body = params.issues !== undefined ? deny('GH_CONTRACT_PARAMETER_INVALID', undefined, issues(params.issues)) : await readBody(req, route.validators);
    if (body !== undefined && 'denial' in body) {
      if (route.write) await this.audit({ ...base, body: undefined }, { decision: 'deny', status: problemFor(body.denial, requestId).status, code: body.denial.code, role: route.role });
      return body;
    }
    const call: ApiCall = { ...base, body: body?.value };
    let result: ApiResult;
    try {
      result = await (this.handlers[id] as ApiHandler)(call);
    } catch (error) {
      if (route.write) await this.audit(call, { decision: 'deny', status: 500, code: 'GH_INTERNAL', role: route.role });
      throw error;
    }
    if (route.write) {
      const status = result === undefined ? 200 : 'denial' in result ? problemFor(result.denial, requestId).status : result.status;
      await this.audit(call, { decision: status < 400 ? 'allow' : 'deny', status, ...(result !== undefined && 'denial' in result ? { code: result.denial.code } : {}), role: route.role });
    }
    return result;
  }
}

/** Why a write is refused as cross-origin, or undefined. */
function isCrossOrigin(req: IncomingMessage): string | undefined {
  const site = req.headers['sec-fetch-site'];
  if (site !== undefined && site !== 'same-origin' && site !== 'none') return `a ${site} request may not write`;
  const origin = req.headers.origin;
  if (origin === undefined) return undefined;
  const host = req.headers.host;
  const scheme = (req.socket as { encrypted?: boolean }).encrypted === true ? 'https' : 'http';
  return origin === `${scheme}://${host ?? ''}` ? undefined : 'writes from another origin are refused';
}

function issues(list: readonly ValidationIssue[]): Denial['errors'] {
  return list.map((i) => ({ in: i.in, ...(i.name === undefined ? {} : { name: i.name }), pointer: i.pointer, message: i.message }));
}

/** The JSON body, validated against the operation; undefined when none was sent and none is required. */
async function readBody(req: IncomingMessage, validators: OperationValidators): Promise<{ value: Record<string, unknown> } | { denial: Denial } | undefined> {
  const declared = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  const chunks: Buffer[] = [];
  let size = 0;
  if (declared) {
    for await (const chunk of req) {
      size += (chunk as Buffer).length;
      if (size > MAX_BODY_BYTES) return deny('GH_REQUEST_BODY_TOO_LARGE');
      chunks.push(chunk as Buffer);
    }
  }
  if (size === 0) {
    if (validators.bodyRequired) return deny('GH_CONTRACT_BODY_REQUIRED');
    return undefined;
  }
  if (!validators.hasBody) return deny('GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', 'this operation takes no body');
  const validator = validators.body(req.headers['content-type'] ?? '');
  if (validator === undefined || validator.kind !== 'json') return deny('GH_CONTRACT_UNSUPPORTED_MEDIA_TYPE', 'send application/json');
  const text = Buffer.concat(chunks).toString('utf8');
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return deny('GH_REQUEST_MALFORMED', 'the body is not JSON');
  }
  const ambiguity = findJsonAmbiguity(text);
  if (ambiguity !== undefined) return deny('GH_REQUEST_AMBIGUOUS', ambiguity.detail);
  const problems = validator.validate(value);
  if (problems !== undefined) return deny(problems.some((p) => p.keyword === 'unknownField') ? 'GH_CONTRACT_UNKNOWN_FIELD' : 'GH_CONTRACT_BODY_INVALID', undefined, issues(problems));
  return { value: value as Record<string, unknown> };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, requestId: string): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', 'x-request-id': requestId, 'x-content-type-options': 'nosniff' });
  res.end(res.req.method === 'HEAD' ? undefined : text);
}

export function sendProblem(req: IncomingMessage, res: ServerResponse, denial: Denial, requestId: string): void {
  const doc = problemFor(denial, requestId);
  const body = JSON.stringify(doc);
  res.writeHead(doc.status, { ...denial.headers, 'content-type': 'application/problem+json', 'content-length': Buffer.byteLength(body), 'cache-control': 'no-store', 'x-request-id': requestId, 'x-content-type-options': 'nosniff' });
  res.end(req.method === 'HEAD' ? undefined : body);
}
