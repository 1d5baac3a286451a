import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { Gateway } from '../../src/gateway/gateway.js';
import { pino } from 'pino';
import { configYaml } from '../helpers/gateway.js';
import { abuseSpec } from './helpers.js';

const file = path.join(path.dirname(abuseSpec), 'gatehouse.yaml');

function yaml(policies?: string, extra?: string): string {
  return configYaml({ spec: abuseSpec, upstream: 'http://127.0.0.1:9', ...(policies === undefined ? {} : { policies }), ...(extra === undefined ? {} : { extra }) });
}

async function problems(text: string): Promise<string[]> {
  try {
    await parseConfig(text, file);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
    throw error;
  }
  return [];
}

describe('abuse-protection settings', () => {
  it('normalises limits: rates to windows, default burst and names', async () => {
    const config = await parseConfig(yaml('      rateLimit:\n        limits: [{ by: ip, rate: 100/min }, { by: identity+operation, rate: 5/15m, burst: 2 }, { by: credential, quota: 1000/day }]'), file);
    expect(config.apis[0]?.policies.rateLimit).toEqual({
      mode: 'enforce',
      onStoreFailure: 'closed',
      limits: [
        { kind: 'rate', name: 'ip', by: ['ip'], count: 100, windowMs: 60_000, burst: 100, operations: undefined },
        { kind: 'rate', name: 'identity-operation', by: ['identity', 'operation'], count: 5, windowMs: 900_000, burst: 2, operations: undefined },
        { kind: 'quota', name: 'credential-day', by: ['credential'], count: 1000, period: 'day', operations: undefined },
      ],
    });
  });

  it('names what is wrong and where', async () => {
    const found = await problems(yaml('      rateLimit:\n        limits: [{ by: ip, rate: 10/min, quota: 5/day }, { by: ip+nobody, rate: 1/s }, { by: ip, rate: lots }]'));
    expect(found).toContain('apis[0].policies.rateLimit.limits[1].by: must be one of identity, credential, ip, api, operation, or several joined with + (ip+operation)');
    expect(found).toContain('apis[0].policies.rateLimit.limits[2].rate: must be a rate such as 100/min, 10/s, 5/15m');
  });

  it('refuses a limit with both a rate and a quota, and duplicate names', async () => {
    expect(await problems(yaml('      rateLimit:\n        limits: [{ by: ip, rate: 10/min, quota: 5/day }]'))).toEqual(['apis[0].policies.rateLimit.limits[0]: needs exactly one of rate (e.g. 100/min) or quota (e.g. 10000/day)']);
    expect(await problems(yaml('      rateLimit:\n        limits: [{ by: ip, rate: 10/min }, { by: ip, rate: 100/h }]'))).toEqual(['apis[0].policies.rateLimit.limits[1].name: duplicate limit name "ip": give each limit its own name']);
  });

  it('refuses untrustworthy client address settings', async () => {
    expect(await problems(yaml(undefined, 'clientIp: { trustedProxies: [not-an-ip] }'))).toEqual(['clientIp.trustedProxies[0]: must be an IP address or CIDR range (10.0.0.0/8)']);
    expect(await problems(yaml(undefined, 'clientIp: { trustedProxies: [10.0.0.0/33] }'))).toEqual(['clientIp.trustedProxies[0]: "10.0.0.0/33" is not an IP address or CIDR range']);
    expect(await problems(yaml(undefined, 'clientIp: { trustedHops: 1, trustedProxies: [10.0.0.0/8] }'))).toEqual(['clientIp: set trustedHops or trustedProxies, not both']);
  });

  it('refuses to start when a limit names an operation the spec does not have', async () => {
    const config = await parseConfig(yaml('      rateLimit:\n        limits: [{ by: ip, rate: 1/s, operations: [listItems, lisItems] }]'), file);
    const start = Gateway.start(config, { logger: pino({ level: 'silent' }) });
    await expect(start).rejects.toThrow(/"lisItems" is not an operation/);
  });
});
