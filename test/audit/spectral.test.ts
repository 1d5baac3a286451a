/**
 * `--ruleset`: Spectral rulesets. Every core function is tested both ways: each rule of
 * fixtures/spectral/ruleset.yaml fires on bad.yaml and stays quiet on good.yaml.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runAudit, type AuditCliOptions } from '../../src/cli/audit.js';
import { loadSpectralRuleset } from '../../src/audit/spectral.js';
import { ConfigError } from '../../src/errors/index.js';

const here = path.dirname(fileURLToPath(import.meta.url));
const fx = (name: string): string => path.join(here, 'fixtures', 'spectral', name);
const RULES = ['base-description', 'info-contact', 'no-debug-flag', 'operation-id', 'no-internal', 'op-id-lowercase-start', 'op-id-camel', 'server-env',
  'short-summary', 'tags-sorted', 'info-version-schema', 'param-xor', 'no-trailing-slash'];

async function run(spec: string, opts: AuditCliOptions): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runAudit([spec], opts, { cwd: path.resolve(here, '../..'), color: false, write: (s) => { out += s; }, error: (s) => { err += s; } });
  return { code, out, err };
}
const findings = (out: string): { ruleId: string; pointer: string; message: string; severity: string }[] =>
  (JSON.parse(out) as { documents: { findings: { ruleId: string; pointer: string; message: string; severity: string }[] }[] }).documents[0]?.findings ?? [];

describe('Spectral rulesets (--ruleset)', () => {
  it('runs every core function: each rule fires on the bad spec', async () => {
    const r = await run(fx('bad.yaml'), { ruleset: fx('ruleset.yaml'), format: 'json', failOn: 'none' });
    expect(r.code).toBe(0);
    const got = new Set(findings(r.out).map((f) => f.ruleId));
    for (const id of RULES) expect(got.has(id), id).toBe(true);
  });

  it('and none fires on the good spec', async () => {
    const r = await run(fx('good.yaml'), { ruleset: fx('ruleset.yaml'), format: 'json', failOn: 'none' });
    expect(findings(r.out).filter((f) => RULES.includes(f.ruleId)).map((f) => `${f.ruleId} ${f.pointer} ${f.message}`)).toEqual([]);
  });

  it('places findings by JSON pointer, maps severities and fills the message template', async () => {
    const fs = findings((await run(fx('bad.yaml'), { ruleset: fx('ruleset.yaml'), format: 'json', failOn: 'none' })).out);
    const one = (id: string): { pointer: string; message: string; severity: string } | undefined => fs.find((f) => f.ruleId === id);
    expect(one('no-debug-flag')?.pointer).toBe('/paths/~1items~1/get/x-debug');
    expect(one('no-trailing-slash')?.pointer).toBe('/paths/~1items~1');
    expect(one('info-contact')?.severity).toBe('high');
    expect(one('short-summary')?.severity).toBe('low');
    expect(one('info-version-schema')?.message).toMatch(/^info \/version must match pattern/);
  });

  it('an error-severity rule fails the default gate', async () => {
    expect((await run(fx('bad.yaml'), { ruleset: fx('ruleset.yaml') })).code).toBe(1);
  });

  it('reports what it cannot run (custom functions, remote and package extends) instead of ignoring it', async () => {
    const rs = await loadSpectralRuleset(fx('ruleset.yaml'));
    expect(rs.unsupported.join('\n')).toMatch(/functions: custom JavaScript functions are not run/);
    expect(rs.unsupported.join('\n')).toMatch(/checkOwner is not a Spectral core function; rule owner-check not run/);
    expect(rs.unsupported.join('\n')).toMatch(/remote ruleset https:\/\/example\.com\/ruleset\.yaml is not fetched/);
    expect(rs.unsupported.join('\n')).toMatch(/spectral:oas is a Spectral package/);
    const r = await run(fx('good.yaml'), { ruleset: fx('ruleset.yaml'), format: 'json' });
    expect(r.err).toMatch(/unsupported, not run: .*checkOwner/);
  });

  it('honours `off` for an inherited rule and `recommended: false` unless extended with `all`', async () => {
    const ids = (await loadSpectralRuleset(fx('ruleset.yaml'))).rules.map((r) => r.id);
    expect(ids).not.toContain('base-license');
    expect(ids).toContain('base-description');
    expect((await loadSpectralRuleset(fx('base.yaml'))).rules.map((r) => r.id)).toEqual(['base-license']);
  });

  it('a malformed ruleset is a usage error naming each problem', async () => {
    await expect(loadSpectralRuleset(fx('invalid.yaml'))).rejects.toBeInstanceOf(ConfigError);
    const r = await run(fx('good.yaml'), { ruleset: fx('invalid.yaml') });
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/rules\.broken-pattern\.severity/);
  });
});
