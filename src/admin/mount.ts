import type { IncomingMessage } from 'node:http';
import type { Logger } from 'pino';
import type { DecisionRecord } from '../identity/audit-trail.js';
import { AdminApi, type ApiCall, type WriteAudit } from './api.js';
import type { AdminAuthenticator } from './auth.js';
import { ConsoleAssets } from './console.js';
import { AdminEvents, type EventsOptions } from './events.js';
import { actor, adminHandlers, type AdminContext } from './handlers.js';
import type { AdminApiMount } from './server.js';
import { AdminTokenStore } from './tokens.js';

/** Failed admin authentications allowed per address and window. */
const MAX_FAILURES = 10;
const FAILURE_WINDOW_MS = 60_000;
/** The counter of failures from one address, shared by every gateway on the store (a fixed window). */
const failureKey = (ip: string): string => `admin-auth-failures:${ip}`;

export interface AdminApp {
  readonly mount: AdminApiMount;
  /** Role-based admin tokens from the store, tried after `admin.auth`. */
  readonly authenticator: AdminAuthenticator;
  readonly events: AdminEvents;
}

/** What the admin listener needs to serve the API, its event stream and the console. */
export async function createAdminApp(ctx: AdminContext, options: { logger?: Logger; events?: EventsOptions; consoleDir?: string } = {}): Promise<AdminApp> {
  const tokens = new AdminTokenStore(ctx.store.kv).authenticator();
  // Only admin tokens can be revoked; admin.auth and client certificates hold while configured.
  const stillValid = async (req: IncomingMessage): Promise<boolean> => !/^bearer +gha_/i.test(req.headers.authorization ?? '') || (await tokens(req)) !== undefined;
  const events = new AdminEvents(ctx, { stillValid, ...options.events });
  const handlers = { ...adminHandlers(ctx), events: events.handle };
  const api = new AdminApi(handlers, decisionTrailWriter(ctx, options.logger));
  const console = await ConsoleAssets.load(options.consoleDir);
  if (!console.built) options.logger?.warn('the admin console is not built (npm run build): /admin/ answers 503; the admin API works');
  const counters = ctx.store.counters;
  const failures: AdminApiMount['failures'] = {
    async check(ip) {
      try {
        return (await counters.get(failureKey(ip))) < MAX_FAILURES ? { ok: true, retryAfterS: 0 } : { ok: false, retryAfterS: FAILURE_WINDOW_MS / 1000 };
      } catch {
        // The store is down: the credentials are still checked; only the counting is lost.
        return { ok: true, retryAfterS: 0 };
      }
    },
    async failed(ip) {
      await counters.increment(failureKey(ip), 1, FAILURE_WINDOW_MS).catch(() => undefined);
    },
  };
  return { mount: { api, console, failures }, authenticator: tokens, events };
}

/**
 * Every admin write, allowed or refused, in the decision trail beside the gateway's own
 * decisions: who (`admin:<token id and name>`), what (`admin` API, the operation, its target),
 * the role it needed, and the outcome. `gatehouse audit-log --api admin` lists them.
 */
function decisionTrailWriter(ctx: AdminContext, logger: Logger | undefined): WriteAudit {
  return async (call: ApiCall, outcome) => {
    const target = [call.path.id, call.query.kind, call.query.value, call.body?.kind, call.body?.value, call.body?.name].filter((v) => v !== undefined).map(String).join(' ');
    const record: DecisionRecord = {
      at: new Date((ctx.now ?? Date.now)()).toISOString(),
      requestId: call.requestId,
      api: 'admin',
      operation: call.operation,
      method: call.req.method ?? 'GET',
      decision: outcome.decision,
      mode: 'enforce',
      policy: 'admin-api',
      rule: `role:${outcome.role}`,
      reason: `${call.operation}${target === '' ? '' : ` ${target}`}: ${outcome.status}`,
      code: outcome.code,
      identity: actor(call),
      kind: call.principal.kind === 'token' ? 'admin-token' : 'admin-certificate',
      ip: call.req.socket.remoteAddress ?? 'unknown',
    };
    try {
      await ctx.store.records.append(ctx.config().identity.audit.stream, JSON.parse(JSON.stringify(record)) as object);
    } catch (error) {
      // The write itself went through (or was refused) already; the log keeps what the trail could not.
      logger?.error({ err: error, record }, 'an admin write could not be recorded in the decision trail');
    }
  };
}
