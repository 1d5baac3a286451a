import { createHash, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { createServer as createTlsServer } from 'node:https';
import type { LookupAddress } from 'node:dns';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Client } from 'undici';
import { makeCa, makeLeaf, type CertFiles } from '../../test/helpers/certs.js';
import { scratchDir } from '../../test/helpers/gateway.js';
import { addressGuard } from './address.js';
import { CERTIFICATE_REFUSED, DESTINATION_REFUSED, guardedConnector } from './connector.js';

function pinOf(certFile: string): string {
  const spki = createPublicKey(readFileSync(certFile)).export({ type: 'spki', format: 'der' });
  return `sha256/${createHash('sha256').update(spki).digest('base64')}`;
}

async function listen(server: Server): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

/** A request on a fresh connection (`reset`), so each one goes through the connector. */
async function call(client: Client): Promise<number | string> {
  try {
    const res = await client.request({ method: 'GET', path: '/', reset: true });
    await res.body.text();
    return res.statusCode;
  } catch (error) {
    return (error as { code?: string }).code ?? 'error';
  }
}

const refusals: string[] = [];
const onRefused = (reason: string): void => { refusals.push(reason); };

describe('the guarded connector', () => {
  let plain: Server;
  let port = 0;
  beforeAll(async () => {
    plain = createServer((_req, res) => res.end('ok'));
    port = await listen(plain);
  });
  afterAll(() => new Promise<void>((resolve) => { plain.closeAllConnections(); plain.close(() => resolve()); }));

  it('checks the name again on every connection: a DNS answer that turns private (rebinding) is refused', async () => {
    const answers: LookupAddress[][] = [[{ address: '127.0.0.1', family: 4 }], [{ address: '169.254.169.254', family: 4 }]];
    let lookups = 0;
    const connect = guardedConnector(
      { guard: addressGuard(['127.0.0.1']), pins: [], timeoutMs: 1000, tls: {}, onRefused },
      (_name, callback) => callback(null, answers[Math.min(lookups++, 1)] as LookupAddress[]),
    );
    const client = new Client(`http://provider.example:${port}`, { connect });
    try {
      expect(await call(client)).toBe(200);
      expect(await call(client)).toBe(DESTINATION_REFUSED);
      expect(lookups).toBe(2);
    } finally {
      await client.destroy();
    }
  });

  it('refuses a name when any of its addresses is private, though another is public', async () => {
    const connect = guardedConnector(
      { guard: addressGuard([]), pins: [], timeoutMs: 1000, tls: {}, onRefused },
      (_name, callback) => callback(null, [{ address: '93.184.216.34', family: 4 }, { address: '10.0.0.7', family: 4 }]),
    );
    const client = new Client(`http://provider.example:${port}`, { connect });
    try {
      // Refused before any connection: a connection to the public address would fail otherwise (no network here).
      expect(await call(client)).toBe(DESTINATION_REFUSED);
    } finally {
      await client.destroy();
    }
  });

  it('connects to the address it checked, never resolving the name a second time', async () => {
    // The name does not exist in DNS: only the guard's own answer can lead anywhere.
    const connect = guardedConnector(
      { guard: addressGuard(['127.0.0.1']), pins: [], timeoutMs: 1000, tls: {}, onRefused },
      (_name, callback) => callback(null, [{ address: '127.0.0.1', family: 4 }]),
    );
    const client = new Client(`http://no-such-name.invalid:${port}`, { connect });
    try {
      expect(await call(client)).toBe(200);
    } finally {
      await client.destroy();
    }
  });

  describe('over TLS', () => {
    let ca: CertFiles;
    let leaf: CertFiles;
    let tlsPort = 0;
    let server: Server;
    beforeAll(async () => {
      const dir = await scratchDir('gh-egress-tls-');
      ca = makeCa(dir, 'provider-ca');
      leaf = makeLeaf(dir, 'provider', ca);
      server = createTlsServer({ cert: readFileSync(leaf.cert), key: readFileSync(leaf.key) }, (_req, res) => res.end('ok'));
      tlsPort = await listen(server);
    });
    afterAll(() => new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }));

    const client = (pins: string[], trusted = true): Client => new Client(`https://localhost:${tlsPort}`, {
      connect: guardedConnector({ guard: addressGuard(['127.0.0.1']), pins, timeoutMs: 2000, tls: trusted ? { ca: readFileSync(ca.cert) } : {}, onRefused }),
    });

    it('verifies the certificate for the declared name, and accepts a pinned key', async () => {
      const c = client([pinOf(leaf.cert)]);
      try {
        expect(await call(c)).toBe(200);
      } finally {
        await c.destroy();
      }
    });

    it('accepts a pin of the issuing CA\'s key (the leaf may rotate under it)', async () => {
      const c = client([pinOf(ca.cert)]);
      try {
        expect(await call(c)).toBe(200);
      } finally {
        await c.destroy();
      }
    });

    it('refuses a verified certificate whose key is not pinned', async () => {
      const c = client([`sha256/${'A'.repeat(43)}=`]);
      try {
        expect(await call(c)).toBe(CERTIFICATE_REFUSED);
        expect(refusals).toContain('certificate');
      } finally {
        await c.destroy();
      }
    });

    it('refuses a certificate the trust store does not verify, pinned or not', async () => {
      const c = client([pinOf(leaf.cert)], false);
      try {
        expect(await call(c)).not.toBe(200);
      } finally {
        await c.destroy();
      }
    });
  });
});
