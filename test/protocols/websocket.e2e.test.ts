import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revocationsFor } from '../../src/anomaly/registry.js';
import { loadSigningKey, mintToken, publicJwks, type SigningKey } from '../../src/identity/signing-key.js';
import { scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { closeCode, frame, handshake, startWsUpstream, type Handshake, type WsUpstream } from '../helpers/ws.js';

const CHAT = fileURLToPath(new URL('./fixtures/chat.yaml', import.meta.url));
const ISSUER = 'urn:test:ws';

let upstream: WsUpstream;
let gw: StartedGateway;
let key: SigningKey;
const open: Handshake[] = [];

beforeAll(async () => {
  const dir = await scratchDir('gh-ws-');
  key = await loadSigningKey(path.join(dir, 'signing.jwk'), { create: true });
  writeFileSync(path.join(dir, 'jwks.json'), JSON.stringify(publicJwks(key)));
  upstream = await startWsUpstream();
  gw = await startGateway(dir, [
    'version: "1"',
    'listen: { http: { host: 127.0.0.1, port: 0 } }',
    'admin: { host: 127.0.0.1, port: 0 }',
    'store: { memory: {} }',
    'identity:',
    '  issuers:',
    `    - { issuer: "${ISSUER}", audience: chat, jwks: "file:jwks.json", algorithms: [ES256], maxTokenLifetime: 10m }`,
    'apis:',
    '  - name: chat',
    `    spec: ${CHAT}`,
    `    upstream: { url: "${upstream.url}", timeout: 2s }`,
    '    websocket:',
    '      operations: [joinRoom]',
    '      origins: [https://app.example]',
    '      maxMessageBytes: 1kb',
    '      idleTimeout: 400ms',
    '      maxConnectionsPerIdentity: 2',
  ].join('\n'));
});
afterAll(async () => {
  for (const h of open) h.socket?.destroy();
  await gw.close();
  await upstream.close();
});
beforeEach(() => {
  for (const h of open.splice(0)) h.socket?.destroy();
  upstream.handshakes.length = 0;
});

const token = (subject: string): Promise<string> => mintToken(key, { issuer: ISSUER, audience: 'chat', subject, ttlSeconds: 120 });

async function join(subject: string, headers: Record<string, string> = {}, room = 'lobby'): Promise<Handshake> {
  const h = await handshake(`${gw.url}/v1/rooms/${room}/socket`, { authorization: `Bearer ${await token(subject)}`, ...headers });
  open.push(h);
  return h;
}

async function metric(name: string, labels: string): Promise<number> {
  const text = await (await fetch(`${gw.adminUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return line === undefined ? 0 : Number(line.split(' ').pop());
}

describe('the WebSocket handshake', () => {
  it('is authenticated: no token gets 401 and the upstream sees no handshake', async () => {
    const refused = await handshake(`${gw.url}/v1/rooms/lobby/socket`);
    expect(refused.status).toBe(401);
    expect(upstream.handshakes).toHaveLength(0);
  });

  it('passes with a valid token, echoes messages both ways, and forwards no compression offer', async () => {
    const h = await join('alice');
    expect(h.status).toBe(101);
    expect(h.headers['sec-websocket-extensions']).toBeUndefined();
    h.socket?.write(frame(1, 'hello', true));
    const echoed = await h.reader?.next();
    expect(echoed?.payload.toString()).toBe('hello');
    expect(upstream.handshakes).toHaveLength(1);
    expect(upstream.handshakes[0]?.['sec-websocket-extensions']).toBeUndefined();
    expect(upstream.handshakes[0]?.['x-forwarded-for']).toBe('127.0.0.1');
    expect(await metric('gatehouse_websocket_connections', 'api="chat"')).toBe(1);
  });

  it('is validated by the contract: a path parameter out of its schema is refused', async () => {
    expect((await join('alice', {}, 'LOBBY1')).status).toBe(400);
    expect(upstream.handshakes).toHaveLength(0);
  });

  it('refuses an Origin not on the allow-list (cross-site WebSocket hijacking) and passes a listed one', async () => {
    const evil = await join('alice', { origin: 'https://evil.example' });
    expect(evil.status).toBe(403);
    expect(JSON.parse(evil.body)).toMatchObject({ code: 'GH_WEBSOCKET_ORIGIN' });
    expect(upstream.handshakes).toHaveLength(0);
    expect((await join('alice', { origin: 'https://app.example' })).status).toBe(101);
  });

  it('refuses an upgrade of an operation not declared as WebSocket', async () => {
    const h = await handshake(`${gw.url}/v1/rooms`, { authorization: `Bearer ${await token('alice')}` });
    expect(h.status).toBe(400);
    expect(JSON.parse(h.body)).toMatchObject({ code: 'GH_WEBSOCKET_NOT_DECLARED' });
    expect(upstream.handshakes).toHaveLength(0);
  });

  it('limits open connections per identity, and frees the slot when one closes', async () => {
    const first = await join('bob');
    expect(first.status).toBe(101);
    expect((await join('bob')).status).toBe(101);
    const third = await join('bob');
    expect(third.status).toBe(429);
    expect((await join('carol')).status).toBe(101);
    first.socket?.destroy();
    await new Promise((r) => setTimeout(r, 100));
    expect((await join('bob')).status).toBe(101);
  });
});

describe('an open WebSocket', () => {
  it('is closed with 1009 when a message is over maxMessageBytes, fragments counted together', async () => {
    const h = await join('dave');
    h.socket?.write(frame(1, 'a'.repeat(600), true, false));
    h.socket?.write(frame(0, 'b'.repeat(600), true, true));
    expect(closeCode(await h.reader?.next())).toBe(1009);
    expect(await metric('gatehouse_websocket_closed_total', 'api="chat",reason="message_too_large"')).toBeGreaterThanOrEqual(1);
    const twin = await join('dave');
    twin.socket?.write(frame(1, 'a'.repeat(900), true));
    expect((await twin.reader?.next())?.payload.length).toBe(900);
  });

  it('is closed with 1002 for an unmasked client frame', async () => {
    const h = await join('erin');
    h.socket?.write(frame(1, 'x', false));
    expect(closeCode(await h.reader?.next())).toBe(1002);
  });

  it('is closed with 1001 once idle for idleTimeout', async () => {
    const h = await join('frank');
    expect(closeCode(await h.reader?.next(3000))).toBe(1001);
    expect(await metric('gatehouse_websocket_closed_total', 'api="chat",reason="idle"')).toBeGreaterThanOrEqual(1);
  });

  it('is closed with 1008 when its caller is revoked, and the caller cannot reconnect', async () => {
    const h = await join('mallory');
    const bystander = await join('grace');
    h.socket?.write(frame(1, 'ping', true));
    expect((await h.reader?.next())?.payload.toString()).toBe('ping');
    await revocationsFor(gw.gateway.services)?.add({ kind: 'subject', value: 'mallory', action: 'block', reason: 'test', by: 'test', createdAt: Date.now() });
    expect(closeCode(await h.reader?.next())).toBe(1008);
    expect((await join('mallory')).status).toBe(401);
    bystander.socket?.write(frame(1, 'still here', true));
    expect((await bystander.reader?.next())?.payload.toString()).toBe('still here');
  });
});
