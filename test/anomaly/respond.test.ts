import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { finishAlert, type AlertDraft } from '../../src/anomaly/alert.js';
import { DEFAULT_MONITORING, type MonitoringConfig } from '../../src/anomaly/config.js';
import { respondTo } from '../../src/anomaly/respond.js';
import { RevocationList } from '../../src/anomaly/revocations.js';
import { parseConfig } from '../../src/config/index.js';
import { ConfigError } from '../../src/errors/index.js';
import { createMemoryStore } from '../../src/store/index.js';
import { abuseSpec } from '../abuse/helpers.js';
import { configYaml } from '../helpers/gateway.js';

const NOW = Date.UTC(2026, 0, 5, 12);
const config: MonitoringConfig = { ...DEFAULT_MONITORING, respond: { enumeration: 'revoke', credentialStuffing: 'block-ip', shadowTraffic: 'block-ip' } };
const lists: RevocationList[] = [];

function alert(over: Partial<AlertDraft>): ReturnType<typeof finishAlert> {
  return finishAlert({
    type: 'enumeration', severity: 'high', confidence: 0.9, ts: NOW, summary: 's', api: 'shop',
    subject: { kind: 'identity', value: 'sub:mallory', subject: 'mallory', ip: '203.0.113.9', jti: 'j-1', exp: NOW / 1000 + 300 },
    evidence: { count: 50, threshold: 50, windowMs: 60_000, sampleRequestIds: ['r1'] },
    ...over,
  }, 'docs/runbooks/');
}

async function list(): Promise<RevocationList> {
  const l = new RevocationList(createMemoryStore({ now: () => NOW }), () => NOW);
  lists.push(l);
  return l;
}

afterEach(async () => {
  for (const l of lists.splice(0)) await l.close();
});

describe('automatic response follows only alerts with enough confidence', () => {
  it('revokes the token of a sure alert', async () => {
    const l = await list();
    expect(await respondTo(alert({}), config, l, NOW)).toMatch(/^revoke: block jti j-1 until /);
    expect((await l.list()).map((r) => `${r.kind} ${r.value}`)).toEqual(['jti j-1']);
  });

  it('takes no action below the threshold, and says so in the alert', async () => {
    const l = await list();
    expect(await respondTo(alert({ confidence: 0.6 }), config, l, NOW)).toBe('none: confidence 0.6 is below 0.8, revoke not taken');
    expect(await respondTo(alert({ type: 'credentialStuffing', confidence: 0.79, subject: { kind: 'ip', value: 'ip:198.51.100.7', ip: '198.51.100.7' } }), config, l, NOW))
      .toBe('none: confidence 0.79 is below 0.8, block-ip not taken');
    expect(await l.list()).toEqual([]);
  });

  it('fails safe: an alert without a usable confidence is never acted on', async () => {
    const l = await list();
    for (const confidence of [undefined, Number.NaN, '0.95']) {
      const a = { ...alert({}), confidence } as unknown as ReturnType<typeof finishAlert>;
      expect(await respondTo(a, config, l, NOW)).toMatch(/^none: confidence .* is below 0\.8, revoke not taken$/);
    }
    expect(await l.list()).toEqual([]);
  });

  it('never acts on shadow or zombie traffic, which describe the API and not an attack', async () => {
    const l = await list();
    const shadow = alert({ type: 'shadowTraffic', confidence: 1, severity: 'low', subject: { kind: 'ip', value: 'ip:198.51.100.201', ip: '198.51.100.201' } });
    expect(await respondTo(shadow, config, l, NOW)).toBeUndefined();
    expect(await l.list()).toEqual([]);
  });

  it('reads the thresholds from the config, and refuses a response threshold below the alert one', async () => {
    const file = path.join(path.dirname(abuseSpec), 'gatehouse.yaml');
    const parsed = await parseConfig(configYaml({ spec: abuseSpec, upstream: 'http://127.0.0.1:9', extra: 'monitoring: { confidence: { alert: 0.6, respond: 0.9 } }' }), file);
    expect(parsed.monitoring.confidence).toEqual({ alert: 0.6, respond: 0.9 });
    const problems = async (extra: string): Promise<string[]> => {
      try {
        await parseConfig(configYaml({ spec: abuseSpec, upstream: 'http://127.0.0.1:9', extra }), file);
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return error.problems.map((p) => `${p.path}: ${p.message}`);
        throw error;
      }
    };
    expect(await problems('monitoring: { confidence: { alert: 0.9, respond: 0.5 } }')).toEqual([expect.stringMatching(/^monitoring\.confidence\.respond: must be at least confidence\.alert \(0\.9\)/)]);
    expect(await problems('monitoring: { confidence: { respond: 1.5 } }')).toEqual([expect.stringMatching(/^monitoring\.confidence\.respond: /)]);
  });
});
