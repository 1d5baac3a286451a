import { afterEach, describe, expect, it, vi } from 'vitest';
import type { RequestContext } from '../gateway/context.js';
import type { PolicyFactoryInput, PolicyInstance, UpstreamResponseView } from '../policies/types.js';
import { DEFAULT_INVENTORY, type InventoryConfig } from './config.js';
import { inventoryPolicy, takeShapes } from './policy.js';

const JSON_RESPONSE: UpstreamResponseView = { status: 200, headers: {}, contentType: 'application/json' };

function sampler(inventory: Partial<InventoryConfig>): PolicyInstance {
  const input = { config: { inventory: { ...DEFAULT_INVENTORY, ...inventory } }, operation: {} } as unknown as PolicyFactoryInput;
  const policy = inventoryPolicy(input);
  if (policy === undefined) throw new Error('the sampler is off');
  return policy;
}

/** Asks for `n` response bodies and hands each over as the gateway would; returns how many were walked. */
function sampledResponses(policy: PolicyInstance, n: number): number {
  let walked = 0;
  for (let i = 0; i < n; i++) {
    const ctx = {} as RequestContext;
    if (policy.wantsResponseBody?.(ctx, JSON_RESPONSE) !== true) continue;
    policy.responseBody?.(ctx, JSON_RESPONSE, { id: i, email: 'a@example.com' });
    if (takeShapes(ctx)?.response !== undefined) walked++;
  }
  return walked;
}

afterEach(() => {
  vi.useRealTimers();
});

describe('the inventory body sampler', () => {
  it('walks one response in 1/sampleRate, the first one included', () => {
    expect(sampledResponses(sampler({ sampleRate: 0.1 }), 100)).toBe(10);
  });

  it('walks no more than maxSamplesPerMinute bodies each way, then again after a minute', () => {
    vi.useFakeTimers({ now: new Date('2026-11-29T10:00:00Z') });
    const policy = sampler({ sampleRate: 1, maxSamplesPerMinute: 5 });
    expect(sampledResponses(policy, 50)).toBe(5);
    let requests = 0;
    for (let i = 0; i < 50; i++) {
      const ctx = { body: { name: 'x' }, rawBody: undefined, req: { headers: {} } } as unknown as RequestContext;
      void policy.requestBody?.(ctx);
      if (takeShapes(ctx)?.request !== undefined) requests++;
    }
    expect(requests).toBe(5);
    vi.advanceTimersByTime(59_000);
    expect(sampledResponses(policy, 10)).toBe(0);
    vi.advanceTimersByTime(1_000);
    expect(sampledResponses(policy, 10)).toBe(5);
  });

  it('does not ask for bodies that are not JSON', () => {
    const policy = sampler({ sampleRate: 1 });
    expect(policy.wantsResponseBody?.({} as RequestContext, { ...JSON_RESPONSE, contentType: 'image/png' })).toBe(false);
  });
});
