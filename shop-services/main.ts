import { createBusFromEnv } from '../lib/bus/index.ts';
import { ConfigError } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { handleShutdown } from '../lib/shutdown.ts';
import { loadShopConfig, type ShopConfig } from './config.ts';
import { createShop } from './index.ts';
import { createShopTracing } from './tracing.ts';

// Process entry: `node shop-services/main.ts`. In Kafka mode (KAFKA_BROKERS set) Compose runs one
// service per process, chosen by SHOP_SERVICE; with SHOP_SERVICE=all every service runs here.
// SIGINT / SIGTERM stop consumers (committing what was handled), flush outboxes and spans, exit 0;
// within a deadline, past which it exits anyway (lib/shutdown.ts). A second signal exits at once.

function configOrExit(): ShopConfig {
  try {
    return loadShopConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`${err.message}\n`);
    process.exit(1);
  }
}

const config = configOrExit();
const name = config.SHOP_SERVICE === 'all' ? 'shop' : `shop-${config.SHOP_SERVICE}`;
const logger = createLogger({ level: config.LOG_LEVEL, name });
const bus = createBusFromEnv(config, logger, config.KAFKA_CLIENT_ID ?? name);
const tracing = createShopTracing({
  ...(config.OTEL_EXPORTER_OTLP_ENDPOINT && { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }),
  // OTEL_SERVICE_NAME names a single-service process; in the all-in-one each service keeps its own name.
  ...(config.OTEL_SERVICE_NAME &&
    config.SHOP_SERVICE !== 'all' && { serviceName: () => config.OTEL_SERVICE_NAME ?? name }),
});
const shop = createShop({ bus, config, logger, tracing });

handleShutdown({
  logger,
  stop: async () => {
    await shop.stop();
    await bus.close();
    await tracing.shutdown();
  },
});

try {
  await shop.start();
  logger.info({ url: shop.orderUrl, service: config.SHOP_SERVICE, bus: bus.kind }, 'listening');
} catch (err) {
  logger.fatal({ err }, 'shop failed to start');
  await bus.close().catch(() => undefined);
  process.exit(1);
}
