import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { runbookName } from '../../src/anomaly/alert.js';
import { ALERT_TYPES } from '../../src/anomaly/config.js';

describe('runbooks', () => {
  it('exist for every alert type, named as alerts link them, and are listed in the index', () => {
    const index = readFileSync(new URL('../../docs/runbooks/README.md', import.meta.url), 'utf8');
    for (const type of ALERT_TYPES) {
      const file = new URL(`../../docs/runbooks/${runbookName(type)}.md`, import.meta.url);
      expect(existsSync(file), `${type}`).toBe(true);
      expect(readFileSync(file, 'utf8')).toContain(`\`${type}\``);
      expect(index).toContain(`(${runbookName(type)}.md)`);
    }
  });
});
