import { defineConfig } from 'vitest/config';

/** The slow suite: measurements that take minutes on 2 cores, kept out of `npm test`. */
export default defineConfig({
  test: {
    include: ['test/**/*.slow.test.ts'],
    testTimeout: 1_800_000,
    pool: 'forks',
    maxWorkers: 1,
  },
});
