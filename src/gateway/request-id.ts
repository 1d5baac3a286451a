import { randomBytes } from 'node:crypto';

/**
 * Request ids: a random per-process prefix and a counter, so an id is unique across instances
 * without a syscall per request. A client-supplied `x-request-id` is kept when it is short and
 * plain, so traces can be joined end to end; anything else is replaced.
 */
const PREFIX = randomBytes(6).toString('base64url');
let counter = 0;

const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function requestIdFor(incoming: string | string[] | undefined): string {
  if (typeof incoming === 'string' && SAFE_ID.test(incoming)) return incoming;
  counter = (counter + 1) % Number.MAX_SAFE_INTEGER;
  return `${PREFIX}-${counter.toString(36)}`;
}
