import { createBusFromEnv } from '../lib/bus/index.ts';
import { ConfigError } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { handleShutdown } from '../lib/shutdown.ts';
import { createCollector, loadCollectorConfig, openSharedStore } from './index.ts';

// Process entry: `node collector/main.ts`. Kafka when KAFKA_BROKERS is set, the embedded bus
// otherwise (useful only with something producing in the same process: the all-in-one launcher
// uses createCollector directly). SIGINT / SIGTERM stop gracefully: consuming stops, the batch in
// flight is stored and committed, servers and the store close; within a deadline, past which it
// exits anyway (lib/shutdown.ts). A second signal exits at once.

async function main() {
  let config;
  try {
    config = loadCollectorConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
  const logger = createLogger({ name: 'collector', level: config.LOG_LEVEL });
  const bus = createBusFromEnv(config, logger, config.KAFKA_CLIENT_ID ?? 'causeway-collector');
  // A shared PostgreSQL store (COLLECTOR_STORE_URL) is opened and migrated first; the engine then
  // runs inline (its worker thread opens only SQLite files).
  const store = await openSharedStore(config);
  let collector;
  try {
    collector = createCollector({ bus, config, logger, store, ownsStore: true });
  } catch (err) {
    if (err instanceof ConfigError) {
      logger.fatal(err.message);
      process.exit(2);
    }
    throw err;
  }
  handleShutdown({
    logger,
    stop: async () => {
      await collector.stop();
      await bus.close();
    },
  });
  await collector.start();
}

main().catch((err: unknown) => {
  process.stderr.write(
    `collector failed to start: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  process.exit(1);
});
