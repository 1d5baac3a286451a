import { createHash, X509Certificate } from 'node:crypto';
import { lookup, type LookupAddress } from 'node:dns';
import { checkServerIdentity, type ConnectionOptions, type DetailedPeerCertificate, type PeerCertificate } from 'node:tls';
import { buildConnector } from 'undici';
import type { AddressGuard } from './address.js';

/** Set on the errors the guard raises, so the gateway answers with the refusal, not a generic 502. */
export const DESTINATION_REFUSED = 'GH_EGRESS_DESTINATION_REFUSED';
export const CERTIFICATE_REFUSED = 'GH_EGRESS_CERTIFICATE_REFUSED';

export interface GuardedConnectorOptions {
  readonly guard: AddressGuard;
  /** `sha256/<base64>` SPKI pins; empty: any certificate the trust store verifies. */
  readonly pins: readonly string[];
  readonly timeoutMs: number;
  readonly tls: ConnectionOptions;
  /** Told of every refused connection (metrics, log). */
  readonly onRefused: (reason: string, detail: string) => void;
}

type Lookup = (hostname: string, callback: (error: Error | null, addresses: LookupAddress[]) => void) => void;

const systemLookup: Lookup = (hostname, callback) => lookup(hostname, { all: true, verbatim: true }, callback);

/**
 * An undici connector that resolves the destination itself, refuses the connection when any
 * address the name resolves to is private, loopback, link-local or reserved, and then connects to
 * the very address it checked. Checked on every new connection, not once at start: a name whose
 * DNS answer changes (DNS rebinding, a provider's record hijacked) is caught on the next
 * connection, and no second resolution happens between the check and the connect.
 * TLS still verifies the certificate for the declared name (SNI and identity check use the name,
 * not the address); with pins, some certificate of the chain must carry a pinned public key.
 */
export function guardedConnector(options: GuardedConnectorOptions, resolve: Lookup = systemLookup): buildConnector.connector {
  const pins = new Set(options.pins.map((p) => p.slice('sha256/'.length)));
  const base = buildConnector({
    timeout: options.timeoutMs,
    ...options.tls,
    ...(pins.size === 0 ? {} : {
      checkServerIdentity(hostname: string, cert: PeerCertificate) {
        const identity = checkServerIdentity(hostname, cert);
        if (identity !== undefined) return identity;
        if (chainHasPin(cert as DetailedPeerCertificate, pins)) return undefined;
        options.onRefused('certificate', hostname);
        return Object.assign(new Error(`no certificate presented by ${hostname} carries a pinned public key`), { code: CERTIFICATE_REFUSED });
      },
    }),
  } as buildConnector.BuildOptions);
  return (connect, callback) => {
    // undici hands over IPv6 literals without their brackets.
    const name = connect.hostname;
    resolve(name, (error, addresses) => {
      if (error !== null) return callback(error, null);
      if (addresses.length === 0) return callback(Object.assign(new Error(`${name} resolved to no address`), { code: 'ENOTFOUND' }), null);
      for (const { address } of addresses) {
        const refused = options.guard.refuse(address);
        if (refused === undefined) continue;
        options.onRefused('address', `${name} -> ${address}`);
        return callback(Object.assign(new Error(`egress to ${name} refused: ${refused}`), { code: DESTINATION_REFUSED }), null);
      }
      const first = addresses[0] as LookupAddress;
      // `host` keeps the name: undici derives SNI (servername) from it, and TLS checks the name.
      base({ ...connect, hostname: first.address }, callback);
    });
  };
}

/** Whether a certificate of the presented chain has a public key whose SHA-256 is pinned (RFC 7469 §2.4). */
function chainHasPin(leaf: DetailedPeerCertificate, pins: ReadonlySet<string>): boolean {
  const seen = new Set<DetailedPeerCertificate>();
  for (let cert: DetailedPeerCertificate | undefined = leaf; cert !== undefined && !seen.has(cert); cert = cert.issuerCertificate) {
    seen.add(cert);
    // `pubkey` is the bare key for EC certificates; a pin is over the whole SubjectPublicKeyInfo.
    const spki = new X509Certificate(cert.raw).publicKey.export({ type: 'spki', format: 'der' });
    if (pins.has(createHash('sha256').update(spki).digest('base64'))) return true;
  }
  return false;
}
