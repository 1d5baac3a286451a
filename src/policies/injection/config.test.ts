import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../config/index.js';
import { ConfigError } from '../../errors/index.js';

const spec = fileURLToPath(new URL('../../../test/abuse/fixtures/abuse.yaml', import.meta.url));
const file = path.join(path.dirname(spec), 'gatehouse.yaml');

function yaml(injection: string): string {
  return ['version: "1"', 'listen: { http: { host: 127.0.0.1, port: 0 } }', 'store: { memory: {} }', 'apis:', '  - name: test', `    spec: ${spec}`,
    '    upstream: { url: "http://127.0.0.1:9" }', '    policies:', `      injection: ${injection}`].join('\n');
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

describe('injection policy settings', () => {
  it('defaults to paranoia level 1 and keeps the level asked for', async () => {
    expect((await parseConfig(yaml('{ mode: enforce }'), file)).apis[0]?.policies.injection?.level).toBe(1);
    expect((await parseConfig(yaml('{ mode: enforce, level: 3 }'), file)).apis[0]?.policies.injection?.level).toBe(3);
  });

  it('names a level outside 1..4 and where it is', async () => {
    expect(await problems(yaml('{ mode: enforce, level: 5 }'))).toEqual(['apis[0].policies.injection.level: must be a paranoia level 1 (fewest false positives) to 4 (most rules)']);
    expect(await problems(yaml('{ mode: enforce, level: "2" }'))).toEqual(['apis[0].policies.injection.level: must be a paranoia level 1 (fewest false positives) to 4 (most rules)']);
  });

  it('accepts the new categories in ignore', async () => {
    expect((await parseConfig(yaml('{ mode: enforce, ignore: [ssti, jndi, code] }'), file)).apis[0]?.policies.injection?.ignore).toEqual(new Set(['ssti', 'jndi', 'code']));
  });
});
