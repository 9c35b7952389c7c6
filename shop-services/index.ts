import { join } from 'node:path';
import { SHOP_PARTITIONS } from '../lib/events/shop-topics.ts';
import { shopTopicNames, shopTopicSpecs } from './contract-extra.ts';
import { createInventoryService } from './inventory/service.ts';
import { createLoyaltyService } from './loyalty/service.ts';
import { createNotificationService } from './notification/service.ts';
import { createOrchestratorService } from './orchestrator/service.ts';
import { createOrderService } from './order/service.ts';
import { createPaymentService } from './payment/service.ts';
import { adminRoutes } from './runtime/admin.ts';
import { createConsumerRuntime, type ConsumerRuntime } from './runtime/consumer.ts';
import { openServiceDb, type ServiceDb } from './runtime/db.ts';
import { createFaultController, faultsFromConfig } from './runtime/faults.ts';
import { createHttpServer, type HttpServer, type Route } from './runtime/http.ts';
import { createShopMetrics } from './runtime/metrics.ts';
import { createOutbox, type Outbox } from './runtime/outbox.ts';
import type { ServiceContext, ServiceModule } from './runtime/service.ts';
import { createShippingService } from './shipping/service.ts';
import { createShopTracing } from './tracing.ts';
import { SHOP_SERVICE_NAMES, type Shop, type ShopDeps, type ShopServiceName } from './types.ts';

export {
  SHOP_SERVICE_NAMES,
  type Shop,
  type ShopDeps,
  type ShopServiceName,
  type ShopTracing,
} from './types.ts';
export { createShopTracing } from './tracing.ts';
export type { FaultController, FaultSettings } from './runtime/faults.ts';

// The shop: wires the services chosen for this process to the bus. In the all-in-one every service
// runs here and one HTTP server (ORDER_PORT) serves the order API, /metrics of all services and
// /admin/faults for all of them. In Kafka mode one service runs per process, on SERVICE_PORT (or
// ORDER_PORT + its index: order 7001, orchestrator 7002, ... loyalty 7007), with the same routes
// minus the ones it does not own. Each service has its own SQLite file, outbox and tracer.

const FACTORIES: Record<ShopServiceName, (ctx: ServiceContext) => ServiceModule> = {
  order: createOrderService,
  orchestrator: createOrchestratorService,
  inventory: createInventoryService,
  payment: createPaymentService,
  shipping: createShippingService,
  notification: createNotificationService,
  loyalty: createLoyaltyService,
};

interface Running {
  readonly name: ShopServiceName;
  readonly db: ServiceDb;
  readonly outbox: Outbox;
  readonly module: ServiceModule;
  readonly consumer?: ConsumerRuntime;
}

export function createShop(deps: ShopDeps): Shop {
  const { bus, config } = deps;
  const services: readonly ShopServiceName[] =
    deps.services ?? (config.SHOP_SERVICE === 'all' ? SHOP_SERVICE_NAMES : [config.SHOP_SERVICE]);
  const namespace = deps.namespace ?? config.SHOP_NAMESPACE;
  const dataDir = deps.dataDir ?? join(config.DATA_DIR, 'shop');
  const tracing =
    deps.tracing ??
    createShopTracing({
      ...(config.OTEL_EXPORTER_OTLP_ENDPOINT && { endpoint: config.OTEL_EXPORTER_OTLP_ENDPOINT }),
    });
  const ownsTracing = deps.tracing === undefined;
  const faults = createFaultController(faultsFromConfig(config));
  const metrics = createShopMetrics();
  const topics = shopTopicNames(namespace);
  const base = namespace ? deps.logger.child({ namespace }) : deps.logger;
  const logger = base.child({ component: 'shop' });
  const running: Running[] = [];
  let server: HttpServer | undefined;
  let url = '';
  let state: 'new' | 'started' | 'stopped' = 'new';

  const port = () => {
    if (config.SERVICE_PORT !== undefined) return config.SERVICE_PORT;
    if (services.includes('order') || config.ORDER_PORT === 0) return config.ORDER_PORT;
    return config.ORDER_PORT + SHOP_SERVICE_NAMES.indexOf(services[0] ?? 'order');
  };

  async function stopAll() {
    await server?.close();
    await Promise.all(running.flatMap((r) => (r.consumer ? [r.consumer.stop()] : [])));
    for (const r of running) r.module.stop?.();
    await Promise.all(running.map((r) => r.outbox.stop()));
    for (const r of running.splice(0)) r.db.close();
    if (ownsTracing) await tracing.shutdown();
  }

  async function startAll() {
    await bus.admin.ensureTopics(shopTopicSpecs(namespace, SHOP_PARTITIONS));
    for (const name of services) {
      const log = base.child({ service: name });
      const tracer = tracing.tracer(name);
      const db = openServiceDb(dataDir, name);
      const outbox = createOutbox({
        db,
        bus,
        tracer,
        service: name,
        metrics,
        logger: log,
        pollMs: config.SHOP_OUTBOX_POLL_MS,
      });
      const ctx: ServiceContext = {
        name,
        bus,
        db,
        outbox,
        tracer,
        logger: log,
        metrics,
        faults,
        topics,
        config,
      };
      const module = FACTORIES[name](ctx);
      const consumer =
        module.consumes &&
        createConsumerRuntime({
          service: name,
          groupId: `${namespace}${name}-service`,
          topics: module.consumes.topics,
          handlers: module.consumes.handlers,
          bus,
          db,
          outbox,
          tracer,
          logger: log,
          metrics,
          faults,
          maxAttempts: config.SHOP_MAX_ATTEMPTS,
          retryBackoffMs: config.SHOP_RETRY_BACKOFF_MS,
          sessionTimeoutMs: config.SHOP_SESSION_TIMEOUT_MS,
          exit: deps.exit ?? ((code) => process.exit(code)),
        });
      running.push({ name, db, outbox, module, ...(consumer && { consumer }) });
    }
    const routes: Route[] = [
      ...running.flatMap((r) => r.module.routes ?? []),
      ...adminRoutes({ faults, metrics, logger: base, services }),
    ];
    server = createHttpServer(routes, base);
    url = await server.listen(port(), config.SHOP_HOST);
    for (const r of running) {
      r.outbox.start();
      r.module.start?.();
    }
    await Promise.all(running.flatMap((r) => (r.consumer ? [r.consumer.start()] : [])));
    logger.info({ services, url, bus: bus.kind }, 'shop started');
  }

  return {
    get orderUrl() {
      return url;
    },
    faults,
    async start() {
      if (state !== 'new') throw new Error(`shop already ${state}`);
      state = 'started';
      try {
        await startAll();
      } catch (err) {
        await stopAll().catch(() => undefined);
        throw err;
      }
    },
    async stop() {
      if (state !== 'started') return;
      state = 'stopped';
      await stopAll();
      logger.info({ services }, 'shop stopped');
    },
  };
}
