import { defineConfig } from 'vitest/config';

// Fault-tolerance suite (`npm run test:faults`): crashes, a broker restart, hostile input, API and
// WebSocket fuzzing, the SASL_SSL listener. The Kafka files need KAFKA_BROKERS (the shared local
// broker) and start their own processes or their own broker. Files run one at a time in forks: two
// cores, and the broker-restart file must not share the machine with another load. Each file bounds
// its own tests; the timeouts here are the outer limit a hung hook or test hits.
export default defineConfig({
  test: {
    include: ['tests/faults/**/*.test.ts'],
    testTimeout: 180_000,
    hookTimeout: 150_000,
    teardownTimeout: 60_000,
    pool: 'forks',
    fileParallelism: false,
  },
});
