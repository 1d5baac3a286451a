/**
 * The account operations of an API, found from the spec: login, registration, password reset and
 * "who am I". Found by path, operationId and body fields rather than by any one naming scheme:
 * `/login`, `/auth/token`, `/users/v1/login`, `/signin`; `/register`, `/signup`, `POST /users`
 * with a password; `/forgot-password`, `/password/reset`; `/me`, `/account`, `/profile`.
 */
import type { Operation, SchemaObject } from '../openapi/index.js';
import { mergeAllOf } from './arbitrary.js';
import { isSecured } from './context.js';
import { preferredMediaType } from './request.js';

export interface FieldFlow {
  readonly op: Operation;
  readonly media: string | undefined;
  /** Body property that names the account (username, login, email, ...). */
  readonly userField: string | undefined;
  readonly emailField: string | undefined;
  readonly passwordField: string | undefined;
  /** Fields repeating the password (`confirmPassword`, `password2`). */
  readonly confirmFields: readonly string[];
  readonly required: readonly string[];
  readonly properties: Readonly<Record<string, SchemaObject>>;
}

export interface ResetFlow {
  readonly op: Operation;
  readonly media: string | undefined;
  readonly field: string;
  readonly where: 'body' | 'query' | 'path';
  readonly kind: 'email' | 'user';
}

export interface AuthFlows {
  readonly login: FieldFlow | undefined;
  readonly register: FieldFlow | undefined;
  readonly reset: ResetFlow | undefined;
  /** A read of the caller's own account. */
  readonly me: Operation | undefined;
}

const PASSWORD = /^(password|passwd|pass|pwd|passphrase|user_?password|userPassword)$/i;
const CONFIRM = /^(confirm_?password|password_?confirm(ation)?|password2|repeat_?password|passwordRepeat|retype_?password)$/i;
const USER_FIELDS = ['username', 'user_name', 'userName', 'login', 'user', 'handle', 'account', 'name', 'nickname', 'email'];
const EMAIL = /^(e-?mail|email_?address|emailAddress|mail)$/i;

const segs = (op: Operation): string => `${op.path} ${op.operationId ?? ''} ${op.summary ?? ''}`.replace(/([a-z])([A-Z])/g, '$1 $2').toLowerCase();

function properties(op: Operation, media: string | undefined): { props: Record<string, SchemaObject>; required: string[] } {
  const raw = media === undefined ? undefined : op.requestBody?.content[media]?.schema;
  const s = raw === undefined ? {} : Array.isArray(raw.allOf) ? mergeAllOf(raw) : raw;
  const props = (s.properties ?? {}) as Record<string, SchemaObject>;
  const required = Array.isArray(s.required) ? s.required.filter((r): r is string => typeof r === 'string') : [];
  return { props, required };
}

function fieldFlow(op: Operation): FieldFlow | undefined {
  const media = preferredMediaType(op);
  const { props, required } = properties(op, media);
  const names = Object.keys(props);
  const passwordField = names.find((n) => PASSWORD.test(n)) ?? names.find((n) => /password/i.test(n) && !CONFIRM.test(n) && !/old|current|new/i.test(n));
  const lower = new Map(names.map((n) => [n.toLowerCase(), n]));
  const userField = USER_FIELDS.map((u) => lower.get(u.toLowerCase())).find((n) => n !== undefined);
  const emailField = names.find((n) => EMAIL.test(n));
  return { op, media, userField, emailField, passwordField, confirmFields: names.filter((n) => CONFIRM.test(n)), required, properties: props };
}

function isLogin(op: Operation): boolean {
  return op.method === 'POST' && /(^|[\s/_-])(log ?in|sign ?in|signin|login|authenticate|auth|token|session)s?(\s|$|\/)/.test(segs(op)) && !/(refresh|logout|register|sign ?up|reset|forgot)/.test(segs(op));
}

function isRegister(op: Operation): boolean {
  const s = segs(op);
  if (op.method !== 'POST' || isSecured(op) || /(log ?in|sign ?in|reset|forgot|password\/|token)/.test(s)) return false;
  return /(register|sign ?up|signup|create ?(user|account)|new ?(user|account))/.test(s) || /\/(users?|accounts?|members?)$/.test(op.path);
}

export function findAuthFlows(ops: readonly Operation[]): AuthFlows {
  let login: FieldFlow | undefined;
  let register: FieldFlow | undefined;
  for (const op of ops) {
    if (op.path.includes('{')) continue;
    const flow = fieldFlow(op);
    if (flow === undefined || flow.passwordField === undefined || (flow.userField === undefined && flow.emailField === undefined)) continue;
    if (login === undefined && isLogin(op)) login = flow;
    else if (register === undefined && isRegister(op)) register = flow;
  }
  return { login, register, reset: findReset(ops), me: findMe(ops) };
}

function findReset(ops: readonly Operation[]): ResetFlow | undefined {
  for (const op of ops) {
    const s = segs(op);
    if (!/(forgot|reset|recover|lost)/.test(s) || !/(password|pass|pwd|credential|account)/.test(s) || op.method === 'GET' || op.method === 'DELETE') continue;
    const media = preferredMediaType(op);
    const { props } = properties(op, media);
    if (Object.keys(props).some((n) => PASSWORD.test(n) || /token|code|otp/i.test(n))) continue; // the second step, not the request
    const emailName = Object.keys(props).find((n) => EMAIL.test(n));
    const userName = Object.keys(props).find((n) => /^(username|user_name|userName|login|user)$/i.test(n));
    if (emailName !== undefined) return { op, media, field: emailName, where: 'body', kind: 'email' };
    if (userName !== undefined) return { op, media, field: userName, where: 'body', kind: 'user' };
    const param = op.parameters.find((p) => /mail|user|login/i.test(p.name) && (p.in === 'query' || p.in === 'path'));
    if (param !== undefined) return { op, media: undefined, field: param.name, where: param.in as 'query' | 'path', kind: /mail/i.test(param.name) ? 'email' : 'user' };
  }
  return undefined;
}

const ME = /\/(me|self|whoami|who-am-i|profile|account|my-?account|current-?user|current|userinfo|user)$/i;

function findMe(ops: readonly Operation[]): Operation | undefined {
  const candidates = ops.filter((op) => op.method === 'GET' && !op.path.includes('{') && ME.test(op.path)
    && !op.parameters.some((p) => p.required && p.in !== 'header'));
  const rank = (op: Operation): number => (/\/me$/i.test(op.path) ? 0 : /(profile|account|whoami|userinfo)$/i.test(op.path) ? 1 : 2);
  return [...candidates].sort((a, b) => rank(a) - rank(b))[0];
}

/** Whether an operation acts on the caller's own account (`/me`, `/account`, `/users/me`). */
export function isSelfPath(op: Operation): boolean {
  return /\/(me|self|profile|account|my-?account|current-?user)(\/|$)/i.test(op.path);
}

/** Path parameters that name a user rather than an object the user owns. */
export function userParam(op: Operation): string | undefined {
  for (const m of op.path.matchAll(/\/([^/{}]+)\/\{([^}]+)\}/g)) {
    const [, collection, param] = m as unknown as [string, string, string];
    if (/^(users?|accounts?|members?|profiles?|customers?|people|persons?)$/i.test(collection)) return param;
  }
  const named = op.parameters.find((p) => p.in === 'path' && /^(user(name|_?name|_?id|Id)?|account(_?id|Id)?|login|email|member(_?id|Id)?)$/i.test(p.name));
  return named?.name;
}
