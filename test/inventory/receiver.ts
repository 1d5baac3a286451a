import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { SIGNATURE_HEADER, TIMESTAMP_HEADER, verifySignature } from '../../src/anomaly/webhook.js';
import type { Alert } from '../../src/anomaly/alert.js';

export interface Receiver {
  readonly url: string;
  /** Alerts whose signature verified. */
  readonly alerts: Alert[];
  /** Deliveries refused for a bad signature. */
  rejected: number;
  close(): Promise<void>;
}

/** A real webhook receiver on a loopback port that verifies the HMAC signature as a customer would. */
export async function startReceiver(secret: string, options: { failFirst?: number } = {}): Promise<Receiver> {
  let failures = options.failFirst ?? 0;
  const state: Receiver = {
    url: '',
    alerts: [],
    rejected: 0,
    close: () => new Promise((resolve) => { server.closeAllConnections(); server.close(() => resolve()); }),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      if (failures > 0) { failures--; res.writeHead(503).end(); return; }
      const ok = verifySignature(secret, req.headers[TIMESTAMP_HEADER] as string | undefined, body, req.headers[SIGNATURE_HEADER] as string | undefined);
      if (!ok) { state.rejected++; res.writeHead(401).end(); return; }
      state.alerts.push(JSON.parse(body) as Alert);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  (state as { url: string }).url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks/gatehouse`;
  return state;
}
