import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const SRC = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** Relative imports of a module (type-only ones too: they are edges of the module graph tsc walks). */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+'(\.[^']+)'/gm)) {
    out.push(path.resolve(path.dirname(file), (m[1] as string).replace(/\.js$/, '.ts')));
  }
  return out;
}

/** A path of imports from `start` back to `start`, if there is one. */
function cycleThrough(start: string): string[] | undefined {
  const seen = new Set<string>();
  const walk = (file: string, trail: string[]): string[] | undefined => {
    for (const next of importsOf(file)) {
      if (next === start) return [...trail, next];
      if (seen.has(next)) continue;
      seen.add(next);
      const found = walk(next, [...trail, next]);
      if (found !== undefined) return found;
    }
    return undefined;
  };
  return walk(start, [start]);
}

describe('config validation imports', () => {
  it.each(['config/validate.ts', 'config/schema.ts', 'config/load.ts'])('%s is not part of an import circle', (module) => {
    const cycle = cycleThrough(path.join(SRC, module));
    expect(cycle?.map((f) => path.relative(SRC, f)).join(' -> ')).toBeUndefined();
  });
});
