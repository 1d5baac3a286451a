import type { RequestContext } from '../../gateway/context.js';
import type { LimitKey } from './config.js';

/** The counter key of one limit for one request, or undefined when the limit does not apply. */
export type KeyOf = (ctx: RequestContext) => string | undefined;

type Part = (ctx: RequestContext) => string | undefined;

/**
 * Identity keys carry the credential kind so a JWT subject and an API key id with the same text
 * never share a bucket. Anonymous callers have no identity: identity limits skip them (IP limits
 * are what hold unauthenticated traffic).
 */
const PARTS: Record<'identity' | 'credential' | 'ip', Part> = {
  identity: (ctx) => {
    const id = ctx.identity;
    return id === undefined || id.kind === 'anonymous' ? undefined : `${id.kind}:${id.issuer ?? ''}:${id.subject}`;
  },
  credential: (ctx) => {
    const id = ctx.identity;
    return id?.credentialId === undefined ? undefined : `${id.kind}:${id.credentialId}`;
  },
  ip: (ctx) => ctx.clientIp,
};

/**
 * Compiles the key of a limit for one route at load time: the constant part (store namespace,
 * API, limit name, operation when it is part of the key) becomes one prefix string, so a request
 * costs one concatenation per request-dependent part.
 */
export function compileKey(apiName: string, limitName: string, by: readonly LimitKey[], operationLabel: string): KeyOf {
  let prefix = `rl:${apiName}:${limitName}:`;
  if (by.includes('operation')) prefix += `${operationLabel}:`;
  const parts = (['identity', 'credential', 'ip'] as const).filter((k) => by.includes(k)).map((k) => PARTS[k]);
  if (parts.length === 0) return () => prefix;
  if (parts.length === 1) {
    const only = parts[0] as Part;
    return (ctx) => {
      const value = only(ctx);
      return value === undefined ? undefined : prefix + value;
    };
  }
  return (ctx) => {
    let key = prefix;
    for (const part of parts) {
      const value = part(ctx);
      if (value === undefined) return undefined;
      key += `${value}|`;
    }
    return key;
  };
}
