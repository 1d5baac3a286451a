import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { Identity } from '../gateway/context.js';
import type { MtlsBinding } from './identity-config.js';
import type { AuthnResult } from './jwt-verifier.js';

/**
 * The caller's identity from its verified client certificate: the first SAN URI (a SPIFFE ID
 * such as spiffe://example.org/ns/prod/sa/billing) when there is one, else the subject CN; scopes
 * and roles come from the configured bindings (by fingerprint, URI or subject). The handshake
 * has already checked the chain against `listen.https.clientCa`; `authorized` is checked again
 * so a listener that only requests certificates cannot let an unverified one through.
 * Identities are cached per TLS connection: the certificate cannot change within it.
 */
export class MtlsIdentities {
  private readonly bySocket = new WeakMap<TLSSocket, AuthnResult>();

  constructor(private readonly bindings: readonly MtlsBinding[]) {}

  /** Undefined when the connection carries no client certificate. */
  identify(socket: TLSSocket): AuthnResult | undefined {
    const known = this.bySocket.get(socket);
    if (known !== undefined) return known;
    if (typeof socket.getPeerCertificate !== 'function') return undefined;
    const cert = socket.getPeerCertificate();
    if (cert === null || Object.keys(cert).length === 0) return undefined;
    const result = socket.authorized
      ? this.identityOf(cert)
      : { ok: false as const, code: 'GH_AUTHN_INVALID' as const, reason: `client certificate not verified: ${String(socket.authorizationError)}` };
    this.bySocket.set(socket, result);
    return result;
  }

  private identityOf(cert: PeerCertificate): AuthnResult {
    const uri = sanUris(cert.subjectaltname)[0];
    const cn = typeof cert.subject?.CN === 'string' ? cert.subject.CN : undefined;
    const subject = uri ?? cn;
    if (subject === undefined) return { ok: false, code: 'GH_AUTHN_INVALID', reason: 'client certificate has neither a SAN URI nor a CN' };
    const fingerprint = cert.fingerprint256;
    const scopes = new Set<string>();
    const roles = new Set<string>();
    for (const b of this.bindings) {
      if (b.fingerprint !== undefined && b.fingerprint !== fingerprint) continue;
      if (b.uri !== undefined && b.uri !== uri) continue;
      if (b.subject !== undefined && b.subject !== cn) continue;
      for (const s of b.scopes) scopes.add(s);
      for (const r of b.roles) roles.add(r);
    }
    const identity: Identity = {
      kind: 'mtls',
      subject,
      scopes,
      roles,
      claims: { sub: subject, ...(cn === undefined ? {} : { cn }), ...(uri === undefined ? {} : { uri }), fingerprint },
      credentialId: `cert:${fingerprint.replaceAll(':', '').slice(0, 16).toLowerCase()}`,
    };
    return { ok: true, identity };
  }
}

/** `URI:spiffe://a/b, DNS:x` -> ['spiffe://a/b']. */
function sanUris(san: string | undefined): string[] {
  if (san === undefined) return [];
  return san.split(', ').filter((s) => s.startsWith('URI:')).map((s) => s.slice(4));
}
