import { mkdtempSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { corporaDir, splitOf } from '../../bench/eval-detect.js';

describe('npm run eval:detect, without the corpora', () => {
  it('says which shared corpus file is missing and that it lives beside the checkout', () => {
    const root = join(mkdtempSync(join(tmpdir(), 'gh-eval-')), 'checkout');
    mkdirSync(root);
    expect(() => corporaDir(root)).toThrow(/the shared corpus .*injection-dev[\\/]attacks\.jsonl is missing.*beside the checkout/);
  });

  it('splits lines by a hash of their id: deterministic, about 70 % development', () => {
    const ids = Array.from({ length: 2000 }, (_, i) => `atk-x-${i}`);
    const dev = ids.filter((id) => splitOf(id) === 'dev').length;
    expect(ids.map(splitOf)).toEqual(ids.map(splitOf));
    expect(dev / ids.length).toBeGreaterThan(0.66);
    expect(dev / ids.length).toBeLessThan(0.74);
  });
});
