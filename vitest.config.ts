import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['src/**/*.test.ts', 'test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Tests start real servers on ephemeral ports; two cores are plenty for a few forks.
    pool: 'forks',
    maxWorkers: 3,
  },
});
