import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StartedGateway } from '../helpers/gateway.js';
import { abuseGateway, countStatus, heldBurst, holdingUpstream } from './helpers.js';

let upstream: Awaited<ReturnType<typeof holdingUpstream>>;
const gateways: StartedGateway[] = [];

beforeAll(async () => { upstream = await holdingUpstream(); });
afterAll(async () => {
  upstream.release();
  await Promise.all(gateways.map((g) => g.close()));
  await upstream.close();
});

async function gatewayWith(policies: string): Promise<StartedGateway> {
  const gw = await abuseGateway(upstream, policies);
  gateways.push(gw);
  return gw;
}

describe('concurrency limits', () => {
  it('lets exactly the limit through per client address and frees slots when answers complete', async () => {
    const gw = await gatewayWith('      concurrency: { perIp: 3 }');
    upstream.peak();
    const first = await heldBurst(upstream, 12, 9, () => fetch(`${gw.url}/v1/slow`));
    expect(countStatus(first, 200)).toBe(3);
    expect(countStatus(first, 503)).toBe(9);
    expect(upstream.peak()).toBe(3);
    const refused = first.find((r) => r.status === 503);
    expect(refused?.headers.get('retry-after')).toBe('1');
    // Every slot was given back: the next burst gets the same 3.
    const second = await heldBurst(upstream, 5, 2, () => fetch(`${gw.url}/v1/slow`));
    expect(countStatus(second, 200)).toBe(3);
  });

  it('caps requests in flight to the upstream across all clients', async () => {
    const gw = await gatewayWith('      concurrency: { perUpstream: 2 }');
    upstream.peak();
    const responses = await heldBurst(upstream, 8, 6, () => fetch(`${gw.url}/v1/slow`));
    expect(countStatus(responses, 200)).toBe(2);
    expect(upstream.peak()).toBe(2);
  });

  it('releases the slot of a request refused by a later policy', async () => {
    const gw = await gatewayWith('      concurrency: { perIp: 1 }');
    for (let i = 0; i < 3; i++) {
      // Refused by the contract (limit out of range) after the slot was taken.
      expect((await fetch(`${gw.url}/v1/items?limit=1000`)).status).toBe(400);
    }
    expect((await fetch(`${gw.url}/v1/items`)).status).toBe(200);
  });
});
