import { defineConfig } from 'vitest/config';

// Unit tests: no broker, no browser. `*.int.test.ts` (real Kafka) and tests/e2e (Playwright) run
// under their own configs.
export default defineConfig({
  test: {
    include: ['{lib,collector,shop-services,app,dashboards,docker,deploy,scripts}/**/*.test.ts'],
    exclude: ['**/*.int.test.ts', 'node_modules/**'],
    testTimeout: 20_000,
    pool: 'forks',
  },
});
