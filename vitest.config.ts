import { defineConfig } from 'vitest/config';

/**
 * `npm test`: every test that needs nothing beside the checkout. Tests that read the shared
 * corpora (../shared/corpora) are named `*.corpus.test.ts` and run with `npm run test:corpus`
 * (vitest.corpus.config.ts); they are not in this include set, so nothing is skipped here.
 */
export const CORPUS_TESTS = ['src/**/*.corpus.test.ts', 'test/**/*.corpus.test.ts'];

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', ...CORPUS_TESTS],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests start real servers on ephemeral ports; two cores are plenty for a few forks.
    pool: 'forks',
    maxWorkers: 3,
  },
});
