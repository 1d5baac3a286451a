import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OVERFLOW_PATH } from '../../src/inventory/aggregate.js';
import { exportSpec } from '../../src/inventory/export-spec.js';
import { parseConfig } from '../../src/config/index.js';
import { INVENTORY_STREAM, readRows } from '../../src/inventory/rows.js';
import { configYaml, scratchDir, startGateway, type StartedGateway } from '../helpers/gateway.js';
import { json, startUpstream, type TestUpstream } from '../helpers/upstream.js';

/*
 * Anyone can send unmatched paths without credentials. The inventory must stay bounded (a cap
 * of shadow rows per API, the rest folded into one overflow row) and must never record a
 * credential or personal data written in a path, nor log one.
 */

const spec = fileURLToPath(new URL('../gateway/fixtures/pets-3.1.yaml', import.meta.url));
let upstream: TestUpstream;
let gw: StartedGateway;

beforeAll(async () => {
  upstream = await startUpstream((_req, res) => json(res, 200, { id: 1, name: 'Rex' }));
  gw = await startGateway(await scratchDir('gh-bounded-'), configYaml({
    spec,
    upstream: upstream.url,
    unmatched: 'passthrough',
    extra: 'inventory: { maxShadowPaths: 40, flushInterval: 1h }',
  }));
});
afterAll(async () => {
  await gw?.close();
  await upstream?.close();
});

/** Letters-only names, each a new static segment: the cheapest way to make a new row. */
function word(i: number): string {
  let s = '';
  for (let n = i + 26 * 26; n > 0; n = Math.floor(n / 26)) s += String.fromCharCode(97 + (n % 26));
  return s;
}

async function metric(name: string, from: StartedGateway = gw): Promise<string> {
  const text = await (await fetch(`${from.adminUrl}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name)).join('\n');
}

describe('the inventory under anonymous load', () => {
  it('keeps at most maxShadowPaths shadow rows per API and folds the rest into one counted overflow row', async () => {
    for (let i = 0; i < 300; i++) expect((await fetch(`${gw.url}/v1/${word(i)}`)).status).toBe(200);
    // Declared traffic is recorded as ever, whatever the shadow traffic did.
    for (let i = 0; i < 3; i++) expect((await fetch(`${gw.url}/v1/pets/${i + 1}`)).status).toBe(200);
    await gw.gateway.monitoring?.flush();
    const rows = await readRows(gw.gateway.services.store.records);
    const shadow = rows.filter((r) => r.unmatched && r.path !== OVERFLOW_PATH);
    expect(shadow).toHaveLength(40);
    const overflow = rows.filter((r) => r.path === OVERFLOW_PATH);
    expect(overflow).toHaveLength(1);
    expect(overflow[0]).toMatchObject({ api: 'test', method: '*', unmatched: true, count: 260 });
    expect(rows.find((r) => r.operation === 'getPet')?.count).toBe(3);
    expect(await metric('gatehouse_inventory_overflow_total')).toBe('gatehouse_inventory_overflow_total{api="test"} 260');

    // A second wave of new paths changes nothing but the overflow count; a known path keeps its row.
    for (let i = 300; i < 400; i++) await fetch(`${gw.url}/v1/${word(i)}`);
    await fetch(`${gw.url}/v1/${word(0)}`);
    await gw.gateway.monitoring?.flush();
    const again = await readRows(gw.gateway.services.store.records);
    expect(again.filter((r) => r.unmatched && r.path !== OVERFLOW_PATH)).toHaveLength(40);
    expect(again.find((r) => r.path === OVERFLOW_PATH)?.count).toBe(360);
    expect(again.find((r) => r.path === `/v1/${word(0)}`)?.count).toBe(2);
    // The overflow row is not a path: a spec exported from traffic leaves it out.
    expect(Object.keys((exportSpec(again) as { paths: object }).paths)).not.toContain(OVERFLOW_PATH);
  });

  it('records and logs secrets and personal data in paths only as placeholders', async () => {
    const secrets = {
      key: 'sk_live_4eC39HqLyjWDarjtT1zdp7dc',
      jwt: 'eyJhbGciOiJFUzI1NiJ9.eyJzdWIiOiJhbGljZSJ9.c2lnbmF0dXJlLW5vdC1yZWFs',
      email: 'ann.private@example.com',
      card: '4111-1111-1111-1111',
      random: 'KzQvWpXrTyLmNbVcDsAeFgHj',
    };
    const fresh = await startGateway(await scratchDir('gh-masked-'), configYaml({ spec, upstream: upstream.url, unmatched: 'passthrough', extra: 'inventory: { flushInterval: 1h }' }));
    try {
      const sent = [
        `/v1/reset/${secrets.key}/confirm`,
        `/v1/session/${secrets.jwt}`,
        `/v1/people/${encodeURIComponent(secrets.email)}`,
        `/v1/cards/${secrets.card}`,
        `/v1/magic/${secrets.random}`,
        // The legitimate twin: an id and a name are kept.
        '/v1/orders/8812/summary',
      ];
      for (const path of sent) expect((await fetch(`${fresh.url}${path}`)).status).toBe(200);
      // What the upstream received is untouched: only what the gateway remembers is masked.
      expect(upstream.requests.at(-5)?.url).toBe(`/v1/session/${secrets.jwt}`);
      await fresh.gateway.monitoring?.flush();
      const rows = await readRows(fresh.gateway.services.store.records);
      expect(rows.map((r) => r.path).sort()).toEqual([
        '/v1/cards/{card}', '/v1/magic/{token}', '/v1/orders/{id}/summary', '/v1/people/{email}', '/v1/reset/{token}/confirm', '/v1/session/{token}',
      ]);
      const logged = fresh.logs.filter((l) => l.msg === 'request').map((l) => l.path);
      expect(logged).toEqual([
        '/v1/reset/{token}/confirm', '/v1/session/{token}', '/v1/people/{email}', '/v1/cards/{card}', '/v1/magic/{token}', '/v1/orders/8812/summary',
      ]);
      const everything = JSON.stringify(fresh.logs) + JSON.stringify(rows);
      for (const value of [...Object.values(secrets), encodeURIComponent(secrets.email), 'ann.private']) expect(everything).not.toContain(value);
    } finally {
      await fresh.close();
    }
  });
});

describe('retention', () => {
  it('keeps the inventory within its configured size on SQLite, and counts what it deleted', async () => {
    const dir = await scratchDir('gh-retention-');
    const sqlite = await startGateway(dir, configYaml({
      spec,
      upstream: upstream.url,
      unmatched: 'passthrough',
      extra: `inventory: { flushInterval: 1h }\nretention: { inventory: { maxRecords: 5 } }`,
    }).replace('store: { memory: {} }', `store: { sqlite: { path: ${path.join(dir, 'gh.db')} } }`));
    try {
      // Each flush writes a row per path seen since the last one: three flushes of four paths.
      for (let flush = 0; flush < 3; flush++) {
        for (let i = 0; i < 4; i++) await fetch(`${sqlite.url}/v1/${word(i)}`);
        await sqlite.gateway.monitoring?.flush();
      }
      const records = sqlite.gateway.services.store.records;
      expect(await records.count(INVENTORY_STREAM)).toBe(12);
      expect(await sqlite.gateway.trimRecords()).toMatchObject({ inventory: 7 });
      expect(await records.count(INVENTORY_STREAM)).toBe(5);
      expect(await metric('gatehouse_records_trimmed_total{stream="inventory"}', sqlite)).toBe('gatehouse_records_trimmed_total{stream="inventory"} 7');
    } finally {
      await sqlite.close();
    }
  });

  it('refuses a retention bound that is not one, naming where', async () => {
    await expect(parseConfig(`${configYaml({ spec, upstream: upstream.url })}\nretention: { decisions: { maxAge: forever, maxRecords: -1 } }\n`, '/tmp/g.yaml'))
      .rejects.toThrow(/retention\.decisions\.maxAge[\s\S]*retention\.decisions\.maxRecords|retention\.decisions\.maxRecords[\s\S]*retention\.decisions\.maxAge/);
  });
});
