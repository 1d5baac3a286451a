import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runSecrets, type SecretsCliOptions } from '../../src/cli/secrets.js';

const VALUE = 'api-key-6c1f0e9d8b7a';

function cli(env: Record<string, string>) {
  const store = join(mkdtempSync(join(tmpdir(), 'gh-secrets-cli-')), 'secrets.json');
  return {
    store,
    async run(action: string, name?: string, opts: SecretsCliOptions = {}, stdin = '') {
      let out = '';
      let err = '';
      const code = await runSecrets(action, name, { store, ...opts }, {
        env, readStdin: async () => stdin, write: (s) => { out += s; }, error: (s) => { err += s; },
      });
      return { code, out, err };
    },
  };
}

describe('gatehouse secrets', () => {
  const env = { GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('base64') };

  it('sets from standard input, gets, lists without values, rotates, revokes and deletes', async () => {
    const c = cli(env);
    expect((await c.run('set', 'partner-key', {}, `${VALUE}\n`)).code).toBe(0);
    expect(await c.run('get', 'partner-key')).toMatchObject({ code: 0, out: `${VALUE}\n` });
    const rot = await c.run('rotate', 'partner-key', { overlap: '1h' });
    expect(rot.code).toBe(0);
    expect(rot.err).toMatch(/rotated to version 2; the previous version is accepted until \d{4}-/);
    expect(rot.err + rot.out).not.toContain(VALUE);
    const newValue = (await c.run('get', 'partner-key')).out.trim();
    expect(newValue).not.toBe(VALUE);
    expect((await c.run('get', 'partner-key', { version: '1' })).out).toBe(`${VALUE}\n`);
    const list = await c.run('list', undefined, { format: 'json' });
    expect(JSON.parse(list.out)).toEqual([{ name: 'partner-key', versions: [expect.objectContaining({ version: 1, state: 'overlap' }), expect.objectContaining({ version: 2, state: 'current' })] }]);
    expect(list.out).not.toContain(VALUE);
    expect(list.out).not.toContain(newValue);
    expect(readFileSync(c.store, 'utf8')).not.toContain(newValue);
    expect((await c.run('revoke', 'partner-key', { version: '1' })).code).toBe(0);
    const refused = await c.run('get', 'partner-key', { version: '1' });
    expect(refused).toMatchObject({ code: 1 });
    expect(refused.err).toMatch(/version 1 was revoked/);
    expect((await c.run('delete', 'partner-key')).code).toBe(0);
    expect((await c.run('get', 'partner-key')).code).toBe(1);
  });

  it('generates a value on request, and refuses an empty one', async () => {
    const c = cli(env);
    expect((await c.run('set', 'gen', { generate: true })).code).toBe(0);
    expect((await c.run('get', 'gen')).out).toMatch(/^[A-Za-z0-9_-]{43}\n$/);
    const empty = await c.run('set', 'empty', {}, '\n');
    expect(empty.code).toBe(2);
    expect(empty.err).toMatch(/the value is empty/);
  });

  it('answers exit code 2 for a missing or wrong key, with no value in the message', async () => {
    const c = cli(env);
    await c.run('set', 'k', {}, VALUE);
    const noKey = await runSecrets('get', 'k', { store: c.store }, { env: {}, readStdin: async () => '', write: () => undefined, error: () => undefined });
    expect(noKey).toBe(2);
    let err = '';
    const wrong = await runSecrets('get', 'k', { store: c.store }, {
      env: { GATEHOUSE_SECRETS_KEY: randomBytes(32).toString('base64') }, readStdin: async () => '', write: () => undefined, error: (s) => { err += s; },
    });
    expect(wrong).toBe(2);
    expect(err).toMatch(/encrypted under key/);
    expect(err).not.toContain(VALUE);
  });

  it('answers exit code 2 for usage errors', async () => {
    const c = cli(env);
    expect((await c.run('get')).code).toBe(2);
    expect((await c.run('get', 'x', { version: 'two' })).err).toMatch(/--version must be a positive integer/);
    expect((await c.run('rotate', 'x', { overlap: 'a while' })).err).toMatch(/--overlap must be a duration/);
    expect((await c.run('set', 'bad:name', {}, VALUE)).err).toMatch(/secret name "bad:name" is invalid/);
    expect((await c.run('set', 'x', { generate: true, stdin: true })).err).toMatch(/give one of --generate, --stdin or --from-file/);
  });
});
