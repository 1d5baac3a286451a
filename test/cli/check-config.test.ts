import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { checkConfig } from '../../src/cli/check-config.js';
import { scratchDir, writeFiles } from '../helpers/gateway.js';

const demoConfig = fileURLToPath(new URL('../../examples/demo/gatehouse.yaml', import.meta.url));

describe('gatehouse check-config', () => {
  it('passes the demo config and names its spec', async () => {
    const result = await checkConfig(demoConfig);
    expect(result.ok).toBe(true);
    expect(result.lines.join('\n')).toMatch(/api shop: .*openapi\.yaml \(OpenAPI 3\.1\.0, 6 operations\)/);
  });

  it('lists every config error with path and line', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'bad.yaml': 'version: "2"\napis:\n  - name: x\n    spec: nope.yaml\n    upstream: { url: "http://a" , retries: 3 }\n' });
    const result = await checkConfig(path.join(dir, 'bad.yaml'));
    expect(result.ok).toBe(false);
    const text = result.lines.join('\n');
    expect(text).toMatch(/:1:\d+: version: must be "1"/);
    expect(text).toMatch(/:5:\d+: apis\[0\]\.upstream\.retries: unknown key "retries"/);
  });

  it('reports a spec that cannot load, naming the file', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, { 'spec.yaml': 'just: a yaml file\n', 'g.yaml': 'version: "1"\napis:\n  - name: x\n    spec: spec.yaml\n    upstream: { url: "http://a" }\n' });
    const result = await checkConfig(path.join(dir, 'g.yaml'));
    expect(result.ok).toBe(false);
    expect(result.lines.join('\n')).toContain('spec.yaml');
  });
});

describe('gatehouse check-config and the audit', () => {
  it('warns when a configured spec scores below the threshold', async () => {
    const dir = await scratchDir();
    await writeFiles(dir, {
      'weak.yaml': 'openapi: 3.0.0\ninfo: {title: t, version: "1"}\nservers: [{url: "http://api.internal.example"}]\npaths:\n  /users/{id}:\n    get:\n      parameters: [{name: id, in: path, required: true, schema: {type: integer}}]\n      responses: {"200": {description: ok}}\n',
      'g.yaml': 'version: "1"\napis:\n  - name: x\n    spec: weak.yaml\n    upstream: { url: "http://a" }\n',
    });
    const result = await checkConfig(path.join(dir, 'g.yaml'), { minScore: 90 });
    expect(result.ok).toBe(true);
    expect(result.lines.join('\n')).toMatch(/warning: .*weak\.yaml scores \d+\/100/);
    const lenient = await checkConfig(path.join(dir, 'g.yaml'), { minScore: 0 });
    expect(lenient.lines.join('\n')).not.toContain('warning');
  });
});
