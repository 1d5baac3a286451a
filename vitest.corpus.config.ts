import { defineConfig } from 'vitest/config';
import { CORPUS_TESTS } from './vitest.config.js';

/**
 * `npm run test:corpus`: the tests over the shared corpora beside the checkout
 * (../shared/corpora: real-world OpenAPI documents, labelled injection samples). A missing
 * corpus fails them; `.ci/run` runs them after `npm test`.
 */
export default defineConfig({
  test: {
    include: CORPUS_TESTS,
    testTimeout: 120_000,
    hookTimeout: 60_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
