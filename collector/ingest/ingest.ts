import type { Bus, BatchReceipt, BusConsumer, RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CollectorConfig } from '../config.ts';
import type { BatchOutcome, IngestEngine } from '../engine/index.ts';
import type { CollectorMetrics } from '../metrics/registry.ts';
import type { TailFeed } from './tail-feed.ts';
import { buildTopicPattern } from './topic-pattern.ts';
import type { TrafficCounter } from '../topology/traffic.ts';

// Ingest: one consumer group over every matching topic. Each fetched batch is handed to the
// ingest engine (collector/engine, usually on a worker thread), which lands it in the store as
// fetched, then decodes, derives and indexes it. The Bus gets a receipt at once, so it fetches on
// while the engine lands, and commits a batch's offsets only once the batch is landed, so a crash
// redelivers and the (topic, partition, offset) key makes the second write a no-op: exactly once
// in the store. Fetched records go to the live tail as the engine receives them (tail-feed.ts
// says which, the engine decodes them once for the tail and indexing; with several collectors a
// reader of every partition feeds it instead, tail-reader.ts), indexed ones to the metrics
// (`indexed`). The engine's backlog is bounded: past it, the handler waits, and so does
// fetching.

/** Records handed to the engine and not yet landed, past which fetching waits. */
const MAX_BACKLOG_RECORDS = 10_000;

export interface IngestDeps {
  readonly bus: Bus;
  readonly engine: IngestEngine;
  readonly config: CollectorConfig;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  /**
   * The live tail fed from this consumer's fetches (one collector: it reads every partition);
   * undefined when a reader of its own feeds it (several collectors: tail-reader.ts).
   */
  readonly tail: TailFeed | undefined;
  readonly now: () => number;
  /** Flows known from saga definitions: the only values the chain-latency `flow` label takes. */
  readonly knownFlows: ReadonlySet<string>;
  readonly traffic: TrafficCounter;
}

export interface IngestStatus {
  readonly connected: boolean;
  readonly error: string | null;
  readonly lastIngestAt: number | null;
  /** Landed batches the engine set aside since start (see engine/core.ts, `quarantine`). */
  readonly batchesQuarantined: number;
}

export function createIngest(deps: IngestDeps) {
  const { bus, engine, config, metrics, tail } = deps;
  const log = deps.logger.child({ component: 'ingest' });
  const topicPattern = buildTopicPattern(config.COLLECTOR_TOPIC_INCLUDE, config.COLLECTOR_TOPIC_EXCLUDE);
  let consumer: BusConsumer | undefined;
  let connected = false;
  let error: string | null = null;
  let lastIngestAt: number | null = null;
  let batchesQuarantined = 0;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;
  let roomWaiters: (() => void)[] = [];
  let memoryTimer: NodeJS.Timeout | undefined;

  function observe(o: BatchOutcome) {
    metrics.recordsIngested.inc({ topic: o.topic, outcome: 'stored' }, o.stored);
    if (o.duplicates > 0) metrics.recordsIngested.inc({ topic: o.topic, outcome: 'duplicate' }, o.duplicates);
    for (const [metric, labels, n] of o.counts) {
      metrics[metric].inc(labels, n);
      if (metric === 'batchesQuarantined') batchesQuarantined += n;
    }
    for (const d of o.delays) metrics.ingestDelay.observe(d);
    for (const [flow, seconds] of o.completions)
      metrics.chainLatency.observe({ flow: flow && deps.knownFlows.has(flow) ? flow : 'other' }, seconds);
    for (const [source, topic, isDlq, n] of o.traffic) deps.traffic.record(source, topic, isDlq, n);
    for (const [origin, group, n] of o.deadLetters) deps.traffic.deadLetter(origin, group, n);
    if (o.transactionSeconds !== null) metrics.storeWriteDuration.observe(o.transactionSeconds);
  }

  const wakeRoom = () => {
    const w = roomWaiters;
    roomWaiters = [];
    for (const f of w) f();
  };

  async function handleBatch(batch: RecordBatch): Promise<BatchReceipt> {
    while (engine.backlog() >= MAX_BACKLOG_RECORDS) await new Promise<void>((r) => roomWaiters.push(r));
    // Only these outlive the hand-over: the records, held until the batch lands, would survive
    // young-generation collections and be promoted to the old generation.
    const { topic, partition } = batch;
    const records = batch.records.length + (batch.raw?.count ?? 0);
    const tailAfter = tail?.handOff(batch);
    const done = engine.land(batch, tailAfter).then(
      (duplicates) => {
        wakeRoom();
        // Landed is stored: a long catch-up, indexed later, is still a collector that ingests.
        const at = deps.now();
        metrics.lastIngestTimestamp.set(at / 1000);
        lastIngestAt = at;
        connected = true;
        error = null;
        if (duplicates > 0) metrics.recordsIngested.inc({ topic, outcome: 'duplicate' }, duplicates);
        log.trace({ topic, partition, records }, 'batch landed');
      },
      (err: unknown) => {
        wakeRoom();
        if (tailAfter !== undefined) tail?.unclaim(batch, tailAfter);
        log.error({ err, topic, partition }, 'landing a batch failed; it will be read again');
        throw err;
      },
    );
    return { done };
  }

  /** The engine's report of records indexed: metrics and topology. */
  function indexed(outcomes: readonly BatchOutcome[]) {
    for (const o of outcomes) {
      log.debug({ topic: o.topic, stored: o.stored, duplicates: o.duplicates }, 'records indexed');
      try {
        observe(o);
      } catch (err) {
        // Stored is stored: a metrics or tail failure changes nothing in the store.
        log.error({ err, topic: o.topic }, 'could not report indexed records');
      }
    }
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
      // Records are stored as fetched and decoded on the engine's thread (lib/bus/kafka-raw-socket.ts).
      rawBatches: true,
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
    indexed,
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
    status: (): IngestStatus => ({ connected, error, lastIngestAt, batchesQuarantined }),
  };
}
export type Ingest = ReturnType<typeof createIngest>;
