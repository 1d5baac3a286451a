import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCampaign } from '../../bench/campaign/campaign.js';
import { gatehouseCommand } from '../../bench/campaign/run.js';

/*
 * A small bounded run of `npm run campaign` (docs/operations.md), so the campaign cannot rot and
 * what it guards stays guarded: the real gateway, as a child process, against both targets. The
 * second test gives the campaign a gateway with every defect it looks for, so a pass above is a
 * pass of checks that can fail.
 */
describe('the attack campaign', () => {
  it('finds no forged token accepted, no crash, no leak and no 5xx from client input, against the demo and the hardened config', async () => {
    const report = await runCampaign({ count: 120, seed: 20_260_101, maxSeconds: 240, concurrency: 8, targets: ['demo', 'hardened'], gatehouse: gatehouseCommand() });
    const [demo, hardened] = report.targets;
    for (const t of [demo, hardened]) {
      expect(t?.requests.fuzz).toBe(60);
      expect(t?.requests.raw).toBeGreaterThan(100);
      expect(t?.forgedSent).toBeGreaterThan(80);
      expect(t?.forgedAccepted).toEqual([]);
      expect(t?.clientCaused5xx).toEqual([]);
      expect(t?.crashes).toBe(0);
      expect(t?.uncaught).toBe(0);
      expect(t?.leaks).toEqual([]);
      expect(t?.smuggledToUpstream).toBe(0);
      // The fault scenarios did happen: their answers are 5xx, and the gateway came back from each.
      expect(t?.faultCaused5xx).toBeGreaterThan(0);
      expect(t?.faults.every((f) => f.recovered)).toBe(true);
    }
    expect(demo?.faults.map((f) => f.scenario)).toHaveLength(5);
    expect(hardened?.faults.map((f) => f.scenario)).toContain('store down (redis killed)');
    expect(hardened?.faults.find((f) => f.scenario === 'store down (redis killed)')?.statuses).toHaveProperty('503');
  }, 400_000);

  it('reports forged tokens accepted, client-caused 5xx, crashes and uncaught errors of a gateway that has them', async () => {
    const broken = fileURLToPath(new URL('./fixtures/broken-gateway.mjs', import.meta.url));
    const report = await runCampaign({ count: 60, seed: 1, maxSeconds: 120, concurrency: 4, targets: ['demo'], gatehouse: { execPath: process.execPath, args: [broken] } });
    const t = report.targets[0];
    // All but the few any HTTP server refuses on its own (a 64 KiB header).
    expect(t?.forgedAccepted.length).toBeGreaterThan((t?.forgedSent ?? 0) * 0.9);
    expect(t?.clientCaused5xx.length).toBeGreaterThan(0);
    expect(t?.crashes).toBeGreaterThanOrEqual(1);
    expect(t?.uncaught).toBeGreaterThanOrEqual(1);
    expect(report.failures.join('\n')).toMatch(/forged token\(s\) accepted[\s\S]*5xx answer\(s\) to client input[\s\S]*crashed[\s\S]*uncaught/);
  }, 200_000);
});
