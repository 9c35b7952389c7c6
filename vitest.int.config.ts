import { defineConfig } from 'vitest/config';

// Integration tests: they need the real broker (`npm run kafka:up`, KAFKA_BROKERS set) and run the
// embedded half of each contract suite too. Files run one at a time: two cores, one broker.
export default defineConfig({
  test: {
    include: ['{lib,collector,shop-services,dashboards,docker,scripts}/**/*.int.test.ts'],
    testTimeout: 90_000,
    hookTimeout: 90_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
