import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { ThreatModel } from '../../src/threat/index.js';
import { gatehouse } from '../cli/run.js';

/*
 * `gatehouse threat-model` on the demo's own spec and config: what `npm start` runs. The demo
 * leaves some operations open on purpose (getOrder has no objectAuth rule): the model must say so.
 */
const demo = fileURLToPath(new URL('../../examples/demo/', import.meta.url));
const spec = path.join(demo, 'openapi.yaml');
const config = path.join(demo, 'gatehouse.yaml');
const dir = mkdtempSync(path.join(tmpdir(), 'gh-threat-cli-'));

async function json(...args: string[]): Promise<ThreatModel> {
  const run = await gatehouse('threat-model', spec, '--format', 'json', ...args);
  expect(run.err).toBe('');
  expect(run.code).toBe(0);
  return JSON.parse(run.out) as ThreatModel;
}

const threat = (m: ThreatModel, op: string, id: string) => m.operations.find((o) => o.id === op)?.threats.find((t) => t.id === id);

describe('gatehouse threat-model on the demo', () => {
  it('reads the demo config: the objectAuth rule guards listUserOrders, nothing guards getOrder', async () => {
    const m = await json('--gateway-config', config);
    expect(m.gateway?.apis).toEqual(['shop']);
    const guarded = threat(m, 'listUserOrders', 'TM-BOLA-READ');
    expect(guarded?.mitigation.status).toBe('mitigated');
    expect(guarded?.mitigation.by[0]?.path).toBe('apis[0].policies.objectAuth.rules[0]');
    expect(guarded?.mitigation.by[0]?.line).toBe(readFileSync(config, 'utf8').split('\n').findIndex((l) => l.includes('operations: [listUserOrders]')) + 1);
    expect(threat(m, 'getOrder', 'TM-BOLA-READ')?.mitigation.status).toBe('none');
    // createOrder takes the buyer's userId in its body, and nothing binds it to the token's subject.
    expect(threat(m, 'createOrder', 'TM-BOLA-WRITE')?.because.map((e) => e.pointer)).toContain('/components/schemas/NewOrder/properties/userId');
    expect(threat(m, 'createOrder', 'TM-BOLA-WRITE')?.mitigation.status).toBe('none');
    expect(threat(m, 'createUser', 'TM-MASS-UNDECLARED')?.mitigation.status).toBe('mitigated');
    expect(m.document.find((t) => t.id === 'TM-SCHEME-TOKEN')?.mitigation.by[0]?.path).toBe('identity.issuers[0]');
    // Every operation of the spec is in the ranking, the fully guarded one last.
    expect(m.operations.map((o) => o.id).sort()).toEqual(['createOrder', 'createUser', 'getOrder', 'getUser', 'listUserOrders', 'listUsers']);
    expect(m.operations.at(-1)?.id).toBe('listUserOrders');
    expect(m.operations.at(-1)?.risk).toBe(0);
  });

  it('without the config the same threats stand, none mitigated', async () => {
    const withConfig = await json('--gateway-config', config);
    const bare = await json();
    expect(bare.totals.threats).toBe(withConfig.totals.threats);
    expect(bare.totals.mitigated).toBe(0);
    expect(bare.totals.risk).toBeGreaterThan(withConfig.totals.risk);
  });

  it('writes Markdown by default, to a file with --output', async () => {
    const run = await gatehouse('threat-model', spec, '--gateway-config', config);
    expect(run.code).toBe(0);
    expect(run.out).toMatch(/^# Threat model: Demo shop 1\.0\.0\n/);
    expect(run.out).toMatch(/\| 1 \| POST \/users \(createUser\) \|/);
    const out = path.join(dir, 'model.html');
    const html = await gatehouse('threat-model', spec, '--format', 'html', '--output', out);
    expect(html).toMatchObject({ code: 0, out: '' });
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('exits 2 naming the fault: format, spec, config, a config that does not serve the spec', async () => {
    const cases: [string[], RegExp][] = [
      [[spec, '--format', 'pdf'], /--format must be one of md, json, html \(got "pdf"\)/],
      [[path.join(dir, 'missing.yaml')], /missing\.yaml.*file does not exist/],
      [[spec, '--gateway-config', path.join(dir, 'nope.yaml')], /--gateway-config .*nope\.yaml: 1 error\(s\)\n.*cannot read the file \(ENOENT\)/],
      [[spec, '--output', path.join(dir, 'no', 'such', 'x.md')], /--output .*x\.md: cannot write \(ENOENT\)/],
    ];
    const other = path.join(dir, 'other.yaml');
    writeFileSync(other, readFileSync(spec, 'utf8'));
    const cfg = path.join(dir, 'g.yaml');
    writeFileSync(cfg, `version: "1"\napis:\n  - { name: x, spec: other.yaml, upstream: { url: "http://127.0.0.1:1" } }\n`);
    cases.push([[spec, '--gateway-config', cfg], /no API serves .*openapi\.yaml \(apis\[\]\.spec: .*other\.yaml\)/]);
    const bad = path.join(dir, 'bad.yaml');
    writeFileSync(bad, `version: "1"\napis:\n  - { name: x, spec: other.yaml, upstream: { url: "http://127.0.0.1:1" }, policies: { objectAuth: { rules: [] } } }\n`);
    cases.push([[spec, '--gateway-config', bad], /bad\.yaml: 1 error\(s\)\n.*objectAuth\.rules/]);
    for (const [args, message] of cases) {
      const run = await gatehouse('threat-model', ...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.err, args.join(' ')).toMatch(message);
      expect(run.err).not.toMatch(/^\s+at /m);
    }
  });
});
