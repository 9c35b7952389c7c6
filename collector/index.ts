import { join } from 'node:path';
import { Registry } from 'prom-client';
import type { Bus } from '../lib/bus/types.ts';
import type { Logger } from '../lib/logger.ts';
import { ConfigError } from '../lib/config.ts';
import { createAlertsSource, type AlertsSource } from './alerts/source.ts';
import { createAuth } from './api/auth.ts';
import type { ApiContext, LagView } from './api/context.ts';
import { createApiHandler, createHttpServer, listen } from './api/server.ts';
import type { CollectorConfig } from './config.ts';
import { createBulkReplayer } from './dlq/bulk.ts';
import { createReplayer } from './dlq/replay.ts';
import {
  createInlineEngine,
  createWorkerEngine,
  type EngineEvents,
  type IngestEngine,
} from './engine/index.ts';
import { createIngest } from './ingest/ingest.ts';
import { createTailFeed } from './ingest/tail-feed.ts';
import { createTailReader } from './ingest/tail-reader.ts';
import { createLagMonitor } from './lag/index.ts';
import { createSharedLag } from './lag/shared.ts';
import { alwaysLeader, createPgLeadership, type Leadership } from './leader.ts';
import { createMaintenance } from './maintenance.ts';
import { createCollectorMetrics } from './metrics/registry.ts';
import { decodeOtlpRequest } from './otlp/index.ts';
import { createSagaCatalog, loadSagaDefinitions, type SagaDefinition } from './sagas/definitions.ts';
import { createMasker } from './masking/engine.ts';
import { configureSchemaDecoding, schemaDecodingFromConfig } from './schemas/index.ts';
import { createOutputMasking } from './masking/outputs.ts';
import { loadMaskingRules } from './masking/policy.ts';
import { createPostgresStore } from './store/postgres/index.ts';
import { createSqliteStore } from './store/sqlite/index.ts';
import { startSearchIndexer, type SearchIndexer } from './engine/search.ts';
import type { Store } from './store/types.ts';
import { createOtlpReceiver } from './traces/receiver.ts';
import { createTailHub } from './ws/hub.ts';
import { createTrafficCounter } from './topology/traffic.ts';
import { createTopicCatalog } from './topics/catalog.ts';
import { buildTopicPattern } from './ingest/topic-pattern.ts';
import { attachTailServer } from './ws/server.ts';

export type { CollectorConfig } from './config.ts';
export { loadCollectorConfig } from './config.ts';
export type { Store } from './store/types.ts';

export interface Collector {
  start(): Promise<void>;
  /** Stops consuming (the batch in flight finishes and commits), closes servers and the store it opened. */
  stop(): Promise<void>;
  /** `http://host:port` of the REST API, WebSocket and /metrics; valid after start. */
  readonly apiUrl: string;
  /** `http://host:port` of the OTLP/HTTP receiver; valid after start. */
  readonly otlpUrl: string;
  readonly store: Store;
  readonly registry: Registry;
}

/** The lag monitor as the collector drives it; tests may pass their own or `null` for none. */
export type LagMonitorLike = LagView & { start(): void; stop(): Promise<void> };

export interface CollectorDeps {
  readonly bus: Bus;
  readonly config: CollectorConfig;
  readonly logger: Logger;
  /** Default: SQLite at COLLECTOR_DB_PATH or DATA_DIR/collector.db (closed by stop()). */
  readonly store?: Store;
  /** stop() closes the store handed in too (one `openSharedStore` opened for this collector). */
  readonly ownsStore?: boolean;
  readonly now?: () => number;
  readonly lag?: LagMonitorLike | null;
  readonly alerts?: AlertsSource;
  /** Who runs the singletons; default: elected through COLLECTOR_STORE_URL, else this collector. */
  readonly leadership?: Leadership;
  /** Default: SAGA_DEFINITIONS_FILE, or the shop's definitions. */
  readonly sagaDefinitions?: readonly SagaDefinition[];
}

/**
 * The PostgreSQL store of COLLECTOR_STORE_URL (migrated, ready), or undefined when it is unset and
 * the collector opens its SQLite file itself. Pass it as `store` with `ownsStore: true`.
 */
export async function openSharedStore(config: CollectorConfig): Promise<Store | undefined> {
  if (!config.COLLECTOR_STORE_URL) return undefined;
  return createPostgresStore({ url: config.COLLECTOR_STORE_URL });
}

export function createCollector(deps: CollectorDeps): Collector {
  const { bus, config } = deps;
  const now = deps.now ?? Date.now;
  const logger = deps.logger;
  if (config.COLLECTOR_STORE_URL && !deps.store)
    throw new ConfigError('COLLECTOR_STORE_URL is set: open the store with openSharedStore() first');
  const closeStore = !deps.store || deps.ownsStore === true;
  const dbPath = config.COLLECTOR_DB_PATH ?? join(config.DATA_DIR, 'collector.db');
  // With the engine on its worker, this connection only reads (and writes replay requests): a
  // smaller page cache; the worker's connection keeps the default for the ingest path.
  const useWorker = !deps.store && config.COLLECTOR_INGEST_WORKER && dbPath !== ':memory:';
  const store = deps.store ?? createSqliteStore({ path: dbPath, cacheMb: useWorker ? 16 : 64 });
  const registry = new Registry();
  const metrics = createCollectorMetrics(registry, {
    store,
    now,
    sagasDerivedThrough: () => sagasDerivedThrough(),
  });
  const sagaDefinitions = deps.sagaDefinitions ?? loadSagaDefinitions(config.SAGA_DEFINITIONS_FILE);
  const catalog = createSagaCatalog(sagaDefinitions);
  // This thread's schema decoding (ingest when inline, the record view); the engine's worker
  // builds its own from the same environment.
  configureSchemaDecoding(schemaDecodingFromConfig(config));
  const masking = createOutputMasking(
    createMasker({ rules: loadMaskingRules(config.MASKING_POLICY_FILE), hashKey: config.MASKING_HASH_KEY }),
  );
  const hub = createTailHub({
    mask: masking.summary,
    bufferSize: config.WS_CLIENT_BUFFER,
    onDropped: (n) => metrics.wsDropped.inc(n),
    onClients: (n) => metrics.wsClients.set(n),
    onWatching: (watching) => tailReader?.watching(watching),
  });
  const topicPattern = buildTopicPattern(config.COLLECTOR_TOPIC_INCLUDE, config.COLLECTOR_TOPIC_EXCLUDE);
  const tailFeed = createTailFeed({
    config,
    hasSubscribers: () => hub.hasSubscribers(),
    publish: (records) => hub.publish(records),
    now,
    logger: logger.child({ component: 'tail' }),
  });
  // One collector reads every partition, so its fetches feed the tail; several on a shared store
  // split them, so each runs a reader of every partition while someone watches (tail-reader.ts).
  const tailReader = store.shared
    ? createTailReader({
        bus,
        topicPattern,
        name: config.COLLECTOR_GROUP_ID,
        offer: (batch) => tailFeed.offer(batch),
        logger,
      })
    : undefined;
  const traffic = createTrafficCounter({ windowMs: config.TOPOLOGY_WINDOW_MS, now });
  // The engine is the one writer of records, spans and what derives from them. A store the
  // collector opens itself is written from a worker thread with its own connection; a store handed
  // in (in-memory in tests) is written inline.
  // What the engine indexes goes to the metrics (ingest, defined below).
  // A store file's text-search index is filled by a worker of its own (engine/search.ts), told
  // when records were indexed.
  let search: SearchIndexer | undefined;
  const events: EngineEvents = {
    onIndexed: (outcomes) => {
      ingest.indexed(outcomes);
      search?.nudge();
    },
    onPassed: (passed) => search?.enter(passed),
    onTail: (records) => tailFeed.show(records),
  };
  let engineImpl: IngestEngine | undefined = useWorker
    ? undefined
    : createInlineEngine({ store, config, sagaDefinitions, logger, now, events });
  const runningEngine = () => {
    if (!engineImpl) throw new Error('the ingest engine is not running');
    return engineImpl;
  };
  const engine: IngestEngine = {
    land: (batch, tailAfter) => runningEngine().land(batch, tailAfter),
    storeSpans: (spans) => runningEngine().storeSpans(spans),
    maintain: (opts) => runningEngine().maintain(opts),
    backlog: () => engineImpl?.backlog() ?? 0,
    indexedThrough: () => engineImpl?.indexedThrough() ?? -Infinity,
    close: () => engineImpl?.close() ?? Promise.resolve(),
  };
  const ingest = createIngest({
    bus,
    engine,
    config,
    logger,
    metrics,
    tail: tailReader ? undefined : tailFeed,
    now,
    knownFlows: new Set(catalog.all.map((d) => d.type)),
    traffic,
  });
  const replayer = createReplayer({ bus, store, logger, metrics, maxReplays: config.REPLAY_MAX_COUNT, now });
  const bulk = createBulkReplayer({ store, replayer, logger, metrics, now });
  const monitor =
    deps.lag === undefined
      ? createLagMonitor({
          bus,
          logger: logger.child({ component: 'lag' }),
          intervalMs: config.LAG_POLL_INTERVAL_MS,
          registry,
          now,
        })
      : (deps.lag ?? undefined);
  // Singletons (lag polling, the STUCK sweep and retention, native alerts, resuming bulk replays)
  // run on one collector of those sharing a store: the elected one (leader.ts).
  const leadership =
    deps.leadership ??
    (config.COLLECTOR_STORE_URL
      ? createPgLeadership({
          url: config.COLLECTOR_STORE_URL,
          name: config.COLLECTOR_GROUP_ID,
          retryMs: config.LAG_POLL_INTERVAL_MS,
          logger,
        })
      : alwaysLeader());
  const lag =
    monitor && store.shared
      ? createSharedLag({ monitor, store, leadership, intervalMs: config.LAG_POLL_INTERVAL_MS, logger })
      : monitor;
  const alerts =
    deps.alerts ??
    createAlertsSource({
      prometheusUrl: config.PROMETHEUS_URL,
      native: config.COLLECTOR_NATIVE_ALERTS,
      registry,
      logger,
      now,
      durationScale: config.ALERT_DURATION_SCALE,
      tickMs: config.ALERT_EVAL_INTERVAL_MS,
    });
  const auth = createAuth({ operatorToken: config.OPERATOR_TOKEN, viewerToken: config.VIEWER_TOKEN, now });
  const maintenance = createMaintenance({ engine, metrics, config, logger, now });
  const topics = createTopicCatalog({
    admin: bus.admin,
    topicPattern,
    dlqSuffixes: config.DLQ_TOPIC_SUFFIXES,
    traffic,
    now,
    logger: logger.child({ component: 'topics' }),
  });
  const ctx: ApiContext = {
    store,
    bus,
    config,
    now,
    startedAt: now(),
    auth,
    replayer,
    bulk,
    lag,
    alerts,
    ingestStatus: ingest.status,
    traffic,
    masking,
    topics,
    sagaDefinitions,
    sagasDerivedThrough,
    recordsIndexedThrough,
  };
  store.frontiers?.report(() => engine.indexedThrough());
  /** How far records are indexed (engine/frontier.ts): this engine, and on a shared store every collector. */
  function recordsIndexedThrough(): number {
    return Math.min(engine.indexedThrough(), store.frontiers?.through() ?? Infinity);
  }
  /** How far sagas are derived: where the search worker derives them it says, else as records. */
  function sagasDerivedThrough(): number {
    return search ? search.derivedThrough() : recordsIndexedThrough();
  }
  const server = createHttpServer(createApiHandler(ctx, { registry, logger }));
  const tail = attachTailServer({ server, hub, auth, logger });
  const otlp = createOtlpReceiver({
    writeSpans: (spans) => engine.storeSpans(spans),
    decode: decodeOtlpRequest,
    metrics,
    logger,
    host: config.COLLECTOR_HOST,
    port: config.OTLP_PORT,
    now,
    traffic,
  });
  let apiUrl = '';
  let started = false;
  let transition: Promise<void> = Promise.resolve();
  /** Starts or stops the singletons as this collector gains or loses leadership, one change at a time. */
  const onLeadership = (leader: boolean) => {
    transition = transition
      .then(async () => {
        if (!started) return;
        if (leader) {
          monitor?.start();
          alerts.start?.();
          maintenance.start();
          await bulk.resume();
        } else {
          alerts.stop?.();
          await maintenance.stop();
          await monitor?.stop();
        }
      })
      .catch((err: unknown) => logger.error({ err }, 'starting or stopping the singletons failed'));
  };

  return {
    get apiUrl() {
      return apiUrl;
    },
    get otlpUrl() {
      return otlp.url;
    },
    store,
    registry,
    async start() {
      if (useWorker && !engineImpl)
        engineImpl = await createWorkerEngine(
          {
            dbPath,
            config: {
              MAX_VALUE_BYTES: config.MAX_VALUE_BYTES,
              DLQ_TOPIC_SUFFIXES: config.DLQ_TOPIC_SUFFIXES,
              CHAIN_TERMINAL_TYPES: config.CHAIN_TERMINAL_TYPES,
              CHAIN_FINAL_TYPES: config.CHAIN_FINAL_TYPES,
              LATE_EVENT_THRESHOLD_MS: config.LATE_EVENT_THRESHOLD_MS,
              SAGA_STUCK_GRACE_MS: config.SAGA_STUCK_GRACE_MS,
              COLLECTOR_MAX_UNINDEXED: config.COLLECTOR_MAX_UNINDEXED,
              COLLECTOR_MAX_BATCH_BYTES: config.COLLECTOR_MAX_BATCH_BYTES,
            },
            sagaDefinitions,
            logLevel: config.LOG_LEVEL,
          },
          logger,
          events,
        );
      if (store.searchIndexPath && !search)
        search = startSearchIndexer(
          {
            dbPath: store.searchIndexPath,
            logLevel: config.LOG_LEVEL,
            sagas: {
              definitions: sagaDefinitions,
              stuckGraceMs: config.SAGA_STUCK_GRACE_MS,
              retentionMs: config.RETENTION_HOURS * 3600_000,
              maintenanceMs: config.MAINTENANCE_INTERVAL_MS,
            },
          },
          logger.child({ component: 'search' }),
          (transitions) => {
            for (const t of transitions) metrics.sagaTransitions.inc({ saga_type: t.type, state: t.state });
          },
          () => engine.indexedThrough(),
        );
      const port = await listen(server, config.COLLECTOR_PORT, config.COLLECTOR_HOST);
      apiUrl = `http://${config.COLLECTOR_HOST}:${port}`;
      await otlp.start();
      hub.start();
      started = true;
      // "Last batch stored" starts at the last stored record or now, never at 1970 (which would
      // fire the not-ingesting alert on every restart).
      metrics.lastIngestTimestamp.set(((await store.records.stats()).lastStoredAt ?? now()) / 1000);
      // Dead-letter series of the topic pairs already known start at 0, so the first dead letter
      // after this start is an increase (the rule also catches pairs never seen before).
      for (const g of (await store.dlq.groups()).byOrigin)
        metrics.dlqRecords.inc({ dlq_topic: g.dlqTopic, origin_topic: g.originTopic ?? 'unknown' }, 0);
      await ingest.start();
      if (lag !== monitor) lag?.start();
      leadership.onChange(onLeadership);
      leadership.start();
      await transition;
      logger.info(
        {
          api: apiUrl,
          otlp: otlp.url,
          bus: bus.kind,
          auth: { read: auth.readRequired, write: auth.writeEnabled },
        },
        'collector started',
      );
    },
    async stop() {
      if (!started) {
        if (closeStore) await store.close();
        return;
      }
      started = false;
      await leadership.stop();
      await transition;
      alerts.stop?.();
      await maintenance.stop();
      await monitor?.stop();
      if (lag !== monitor) await lag?.stop();
      await bulk.stop();
      await ingest.stop();
      hub.stop();
      await tail.close();
      await tailReader?.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await otlp.stop();
      await engine.close();
      await search?.close();
      search = undefined;
      engineImpl = useWorker ? undefined : engineImpl;
      if (closeStore) await store.close();
      logger.info('collector stopped');
    },
  };
}
