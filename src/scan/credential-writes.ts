/**
 * Operations that can change the credentials of the identity that calls them: a password change,
 * an account update carrying a password, or an email where the service logs in by email.
 * Fuzzing, injection and ReDoS probes send such an operation whatever values they generate, so
 * sent as one of the user's identities they change that user's password (and every later
 * request of the scan is logged out). They go out as a scanner-owned account instead, whose
 * password the scan chose and may lose; without one, the operation is left to the checks that
 * handle accounts on purpose, and the report says so.
 */
import type { Operation, SchemaObject } from '../openapi/index.js';
import { asOwnUser, flowsOf, ownedAccounts } from './accounts.js';
import { mergeAllOf } from './arbitrary.js';
import { isSelfPath } from './auth-flows.js';
import type { ScanContext } from './context.js';
import type { RequestValues } from './request.js';
import type { Identity } from './types.js';

const SECRET_FIELD = /^(new_?|current_?|old_?|confirm_?)?(password|passwd|pwd|pass|passphrase|pin)(_?(new|confirm(ation)?|repeat|2))?$/i;
const EMAIL_FIELD = /^(new_?)?(e-?mail|email_?address|mail)$/i;
/** Path or operationId words that say the operation is about the caller's own account. */
const ACCOUNT_WORDS = /(password|passwd|credential|e-?mail|account|profile|settings|(^|[^a-z])me([^a-z]|$)|self)/i;

function bodyFields(op: Operation): string[] {
  const names = new Set<string>();
  for (const media of Object.values(op.requestBody?.content ?? {})) {
    const raw = media.schema as SchemaObject | undefined;
    if (raw === undefined) continue;
    const schema = Array.isArray(raw.allOf) ? mergeAllOf(raw) : raw;
    for (const name of Object.keys((schema.properties ?? {}) as Record<string, unknown>)) names.add(name);
  }
  return [...names];
}

/**
 * Whether sending `op` may change the caller's own password (or email, when `emailLogsIn`). A
 * POST to a collection (`POST /users` with a password) creates someone else and is not one;
 * login, registration and reset requests are the account flows' own.
 */
export function changesCallerCredentials(op: Operation, accountFlowOps: ReadonlySet<Operation>, emailLogsIn = false): boolean {
  if (op.method !== 'POST' && op.method !== 'PUT' && op.method !== 'PATCH') return false;
  if (accountFlowOps.has(op)) return false;
  const fields = bodyFields(op);
  const secret = fields.some((f) => SECRET_FIELD.test(f));
  const email = emailLogsIn && fields.some((f) => EMAIL_FIELD.test(f));
  if (!secret && !email) return false;
  if (isSelfPath(op) || ACCOUNT_WORDS.test(`${op.path} ${op.operationId ?? ''}`)) return true;
  // An update of one object that holds a password: `PUT /users/{id}`.
  return secret && (op.method !== 'POST' || op.path.includes('{'));
}

export type Sender = {
  readonly identity: Identity | undefined;
  /** The operation changes the caller's credentials: the user it names must be the sender. */
  readonly confined: boolean;
} | { readonly skip: string };

interface Flows { readonly ops: ReadonlySet<Operation>; readonly emailLogsIn: boolean }
const flowsByContext = new WeakMap<ScanContext, Flows>();

/**
 * The identity a check that sends generated values should use for `op`: the primary identity,
 * or for an operation that changes the caller's credentials, a scanner-owned account.
 */
export async function senderFor(ctx: ScanContext, op: Operation): Promise<Sender> {
  if (ctx.primary === undefined) return { identity: undefined, confined: false };
  let known = flowsByContext.get(ctx);
  if (known === undefined) {
    const flows = flowsOf(ctx);
    const login = flows.login;
    known = {
      ops: new Set([login?.op, flows.register?.op, flows.reset?.op].filter((o): o is Operation => o !== undefined)),
      // Logged in by email: a changed email locks the identity out as a changed password does.
      emailLogsIn: login !== undefined && login.emailField !== undefined && (login.userField === undefined || login.userField === login.emailField),
    };
    flowsByContext.set(ctx, known);
  }
  if (!changesCallerCredentials(op, known.ops, known.emailLogsIn)) return { identity: ctx.primary, confined: false };
  const owned = (await ownedAccounts(ctx, 1))[0]?.identity;
  if (owned !== undefined) return { identity: owned, confined: true };
  const skip = `${op.id} may change the caller's password or email: generated values go only to a scanner-owned account, and none could be made; not fuzzed or probed`;
  if (!noted.has(op)) {
    noted.add(op);
    ctx.note(skip);
  }
  return { skip };
}

/**
 * Values for `op` as `sender` sends them: on an operation that changes credentials, a path
 * parameter naming a user names the sender (a generated or remembered `alice` would change the
 * password of a user the scan does not own, on any service with a write-BOLA flaw).
 */
export async function confine(ctx: ScanContext, op: Operation, values: RequestValues, sender: Exclude<Sender, { skip: string }>): Promise<RequestValues> {
  return sender.confined ? asOwnUser(ctx, op, values, sender.identity) : values;
}

/** Each skipped operation is said once in the report, not once per check. */
const noted = new WeakSet<Operation>();
