import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { registerDetect, runDetect } from './detect.js';

async function run(lines: string[], format: 'text' | 'jsonl' = 'jsonl'): Promise<{ code: number; out: string; err: string }> {
  const out = new PassThrough(), err = new PassThrough();
  let o = '', e = '';
  out.on('data', (c: Buffer) => { o += c.toString(); });
  err.on('data', (c: Buffer) => { e += c.toString(); });
  const code = await runDetect(Readable.from([lines.join('\n')]), out, err, format);
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
