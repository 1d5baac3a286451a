import type { RequestContext } from '../../gateway/context.js';
import type { AuthnResult } from '../../identity/jwt-verifier.js';

/**
 * Reads and checks one kind of credential. `authenticate` answers undefined when the request
 * carries no credential of this kind, so the policy can tell "none sent" (401 with a plain
 * challenge) from "sent but bad" (401 invalid_token).
 */
export interface Authenticator {
  readonly kind: 'jwt' | 'api-key' | 'mtls' | 'introspection' | 'bearer';
  /** One RFC 9110 §11.6.1 challenge for WWW-Authenticate, without error parameters. */
  readonly challenge: string;
  /** True when the challenge uses the Bearer scheme (RFC 6750 error codes apply). */
  readonly bearer: boolean;
  authenticate(ctx: RequestContext): AuthnResult | Promise<AuthnResult> | undefined;
  /**
   * True exactly when `authenticate` would not answer undefined, without verifying anything:
   * an operation with optional security lets anonymous callers through at this cost only.
   */
  sent(ctx: RequestContext): boolean;
}
