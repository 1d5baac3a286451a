import { createHash, timingSafeEqual, X509Certificate } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import type { AdminAuthConfig } from './config.js';

/** Who is calling the admin listener, once an authenticator has established it. */
export interface AdminPrincipal {
  readonly kind: 'token' | 'certificate';
  /** Secret-free: `admin.auth.token`, or the certificate's subject and fingerprint. */
  readonly id: string;
  /**
   * What the principal may do. `admin.auth` grants `admin` (everything); role-based admin tokens
   * (issue 16) add authenticators that grant less, and routes check roles, not kinds.
   */
  readonly roles: ReadonlySet<string>;
}

/**
 * One way to authenticate an admin request: undefined when the request carries nothing this
 * authenticator recognises or what it carries does not verify. Authenticators are tried in
 * order; the first principal wins.
 */
export type AdminAuthenticator = (req: IncomingMessage) => AdminPrincipal | undefined | Promise<AdminPrincipal | undefined>;

const FULL: ReadonlySet<string> = new Set(['admin']);

/** `Authorization: Bearer <token>` (RFC 6750 §2.1), scheme name in any case. */
const BEARER = /^bearer +(\S+) *$/i;

/** The token of an `Authorization: Bearer` header, if the request has one. */
export function bearerToken(req: IncomingMessage): string | undefined {
  const header = req.headers.authorization;
  return header === undefined ? undefined : BEARER.exec(header)?.[1];
}

/**
 * The static `admin.auth.token`. Both sides are hashed before the constant-time comparison, so
 * neither the token's bytes nor its length show in the time an answer takes.
 */
export function tokenAuthenticator(token: string): AdminAuthenticator {
  const expected = sha256(token);
  const principal: AdminPrincipal = { kind: 'token', id: 'admin.auth.token', roles: FULL };
  return (req) => {
    const presented = bearerToken(req);
    // A request without a token does the same work as one with a wrong token.
    const ok = timingSafeEqual(sha256(presented ?? ''), expected) && presented !== undefined;
    return ok ? principal : undefined;
  };
}

/**
 * A client certificate the TLS handshake verified against `admin.auth.clientCa`. The listener
 * asks for a certificate without requiring one (probes connect without), so `authorized` is
 * what tells a verified certificate from none or one of another CA.
 */
export function certificateAuthenticator(): AdminAuthenticator {
  return (req) => {
    const socket = req.socket as Partial<TLSSocket>;
    if (socket.authorized !== true || typeof socket.getPeerX509Certificate !== 'function') return undefined;
    const cert: X509Certificate | undefined = socket.getPeerX509Certificate();
    if (cert === undefined) return undefined;
    return { kind: 'certificate', id: `${cert.subject.replaceAll('\n', ', ')} (${cert.fingerprint256.slice(0, 23)})`, roles: FULL };
  };
}

/** The authenticators `admin.auth` configures: any one of them is enough. */
export function adminAuthenticators(auth: AdminAuthConfig | undefined): AdminAuthenticator[] {
  if (auth === undefined) return [];
  const out: AdminAuthenticator[] = [];
  if (auth.token !== undefined) out.push(tokenAuthenticator(auth.token));
  if (auth.clientCa !== undefined) out.push(certificateAuthenticator());
  return out;
}

/** The first principal any authenticator establishes, or undefined. */
export async function authenticateAdmin(req: IncomingMessage, authenticators: readonly AdminAuthenticator[]): Promise<AdminPrincipal | undefined> {
  for (const authenticate of authenticators) {
    const principal = await authenticate(req);
    if (principal !== undefined) return principal;
  }
  return undefined;
}

export function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}
