import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALL_RULES } from './rules.js';

const doc = readFileSync(new URL('../../docs/abuse-protection.md', import.meta.url), 'utf8');

describe('the rule registry and docs/abuse-protection.md', () => {
  it('documents every rule with its level', () => {
    for (const r of ALL_RULES) expect(doc, r.id).toContain(`| \`${r.id}\` | ${r.level} |`);
  });

  it('documents no rule that does not exist', () => {
    const documented = [...doc.matchAll(/^\| `([a-z-]+\.[a-z0-9-]+)` \| \d \|/gm)].map((m) => m[1]);
    expect(documented.sort()).toEqual(ALL_RULES.map((r) => r.id).sort());
  });

  it('gives every rule a unique id in its own category', () => {
    expect(new Set(ALL_RULES.map((r) => r.id)).size).toBe(ALL_RULES.length);
    for (const r of ALL_RULES) expect(r.id.startsWith(`${r.category}.`), r.id).toBe(true);
  });
});
