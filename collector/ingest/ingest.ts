import type { Bus, BatchReceipt, BusConsumer, RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CollectorConfig } from '../config.ts';
import type { BatchOutcome, IngestEngine } from '../engine/index.ts';
import type { CollectorMetrics } from '../metrics/registry.ts';
import type { TailHub } from '../ws/hub.ts';
import { buildTopicPattern } from './topic-pattern.ts';
import type { TrafficCounter } from '../topology/traffic.ts';

// Ingest: one consumer group over every matching topic. Each fetched batch is handed to the
// ingest engine (collector/engine: decode, derive, store in one transaction, usually on a worker
// thread) and the Bus gets a receipt at once, so it fetches on while the engine stores. The Bus
// commits a batch's offsets only after the engine has committed it to the store, so a crash
// redelivers and the (topic, partition, offset) key makes the second write a no-op: exactly once
// in the store. After the commit, records go to the live tail and the metrics. The engine's
// backlog is bounded: past it, the handler waits, and so does fetching.

/** Records handed to the engine and not yet stored, past which fetching waits. */
const MAX_BACKLOG_RECORDS = 10_000;

export interface IngestDeps {
  readonly bus: Bus;
  readonly engine: IngestEngine;
  readonly config: CollectorConfig;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  readonly hub: TailHub;
  readonly now: () => number;
  /** Flows known from saga definitions: the only values the chain-latency `flow` label takes. */
  readonly knownFlows: ReadonlySet<string>;
  readonly traffic: TrafficCounter;
}

export interface IngestStatus {
  readonly connected: boolean;
  readonly error: string | null;
  readonly lastIngestAt: number | null;
}

export function createIngest(deps: IngestDeps) {
  const { bus, engine, config, metrics, hub } = deps;
  const log = deps.logger.child({ component: 'ingest' });
  const topicPattern = buildTopicPattern(config.COLLECTOR_TOPIC_INCLUDE, config.COLLECTOR_TOPIC_EXCLUDE);
  let consumer: BusConsumer | undefined;
  let connected = false;
  let error: string | null = null;
  let lastIngestAt: number | null = null;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  let roomWaiters: (() => void)[] = [];
  let memoryTimer: NodeJS.Timeout | undefined;

  function observe(o: BatchOutcome) {
    metrics.recordsIngested.inc({ topic: o.topic, outcome: 'stored' }, o.stored);
    if (o.duplicates > 0) metrics.recordsIngested.inc({ topic: o.topic, outcome: 'duplicate' }, o.duplicates);
    for (const [metric, labels, n] of o.counts) metrics[metric].inc(labels, n);
    for (const d of o.delays) metrics.ingestDelay.observe(d);
    for (const [flow, seconds] of o.completions)
      metrics.chainLatency.observe({ flow: flow && deps.knownFlows.has(flow) ? flow : 'other' }, seconds);
    for (const [source, topic, isDlq, n] of o.traffic) deps.traffic.record(source, topic, isDlq, n);
    for (const [origin, group, n] of o.deadLetters) deps.traffic.deadLetter(origin, group, n);
    if (o.transactionSeconds !== null) metrics.storeWriteDuration.observe(o.transactionSeconds);
    metrics.lastIngestTimestamp.set(o.at / 1000);
    lastIngestAt = o.at;
    connected = true;
    error = null;
    if (o.summaries?.length) hub.publish(o.summaries);
  }

  const wakeRoom = () => {
    const w = roomWaiters;
    roomWaiters = [];
    for (const f of w) f();
  };

  async function handleBatch(batch: RecordBatch): Promise<BatchReceipt> {
    while (engine.backlog() >= MAX_BACKLOG_RECORDS) await new Promise<void>((r) => roomWaiters.push(r));
    const stored = engine.ingest(batch, hub.hasSubscribers());
    const done = stored.then(
      (o) => {
        wakeRoom();
        log.debug(
          { topic: o.topic, stored: o.stored, duplicates: o.duplicates, tail: o.summaries?.length ?? null },
          'batch stored',
        );
        try {
          observe(o);
        } catch (err) {
          // Stored is stored: a metrics or tail failure must not send the batch round again.
          log.error({ err, topic: batch.topic }, 'could not report a stored batch');
        }
      },
      (err: unknown) => {
        wakeRoom();
        log.error(
          { err, topic: batch.topic, partition: batch.partition },
          'storing a batch failed; it will be read again',
        );
        throw err;
      },
    );
    return { done };
  }

  async function run() {
    if (stopping) return;
    if (log.isLevelEnabled('debug') && !memoryTimer)
      memoryTimer = setInterval(
        () => log.debug({ memory: process.memoryUsage() }, 'main thread memory'),
        10_000,
      ).unref();
    const c = bus.consumer({
      groupId: config.COLLECTOR_GROUP_ID,
      topicPattern,
      fromBeginning: true,
      maxBatchRecords: config.COLLECTOR_MAX_BATCH_RECORDS,
      clientId: 'causeway-collector',
      topicRefreshMs: 2000,
      sessionTimeoutMs: config.COLLECTOR_SESSION_TIMEOUT_MS,
    });
    try {
      await c.run(handleBatch);
      consumer = c;
      connected = true;
      error = null;
      log.info({ groupId: config.COLLECTOR_GROUP_ID, pattern: topicPattern.source }, 'ingest running');
    } catch (err) {
      connected = false;
      error = err instanceof Error ? err.message : String(err);
      log.error({ err }, 'ingest could not join its consumer group; retrying in 5 s');
      await c.stop().catch(() => undefined);
      if (!stopping) retry = setTimeout(() => void run(), 5000);
    }
  }

  return {
    handleBatch,
    start: run,
    async stop() {
      stopping = true;
      if (retry) clearTimeout(retry);
      if (memoryTimer) clearInterval(memoryTimer);
      const c = consumer;
      consumer = undefined;
      // Stops fetching and waits for the batch in flight: it commits to the store and to Kafka.
      if (c) await c.stop();
      connected = false;
    },
    status: (): IngestStatus => ({ connected, error, lastIngestAt }),
  };
}
export type Ingest = ReturnType<typeof createIngest>;
