import type { Bus, BusConsumer, RecordBatch } from '../../lib/bus/types.ts';
import { originFromTopicName } from '../../lib/events/dlq.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CollectorConfig } from '../config.ts';
import type { CollectorMetrics } from '../metrics/registry.ts';
import type { Store } from '../store/types.ts';
import { toSummary } from '../api/record-views.ts';
import type { TailHub } from '../ws/hub.ts';
import { decodeRecord } from './decode-record.ts';
import { DerivationError, type Deriver, type RecordEffects } from './derive.ts';
import { buildTopicPattern } from './topic-pattern.ts';
import type { TrafficCounter } from '../topology/traffic.ts';

// Ingest: one consumer group over every matching topic. Per fetched batch: decode every record,
// store the batch and everything derived from it in one transaction, and only then resolve, so
// the Bus commits offsets after the store has the batch. A crash between the two redelivers the
// batch, and the (topic, partition, offset) key makes the second write a no-op: exactly once in
// the store. After the commit, records go to the live tail and the metrics.

export interface IngestDeps {
  readonly bus: Bus;
  readonly store: Store;
  readonly config: CollectorConfig;
  readonly logger: Logger;
  readonly metrics: CollectorMetrics;
  readonly hub: TailHub;
  readonly derive: Deriver;
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
  const { bus, store, config, metrics, hub, now } = deps;
  const log = deps.logger.child({ component: 'ingest' });
  const topicPattern = buildTopicPattern(config.COLLECTOR_TOPIC_INCLUDE, config.COLLECTOR_TOPIC_EXCLUDE);
  let consumer: BusConsumer | undefined;
  let connected = false;
  let error: string | null = null;
  let lastIngestAt: number | null = null;
  let stopping = false;
  let retry: NodeJS.Timeout | undefined;

  function observe(effects: readonly RecordEffects[], at: number) {
    for (const e of effects) {
      const r = e.record;
      metrics.recordsIngested.inc({ topic: r.topic, outcome: 'stored' });
      deps.traffic.record(r.ceSource, r.topic, r.isDlq);
      if (r.isDlq) deps.traffic.deadLetter(r.dlq?.originTopic ?? null, r.dlq?.originGroup ?? null);
      for (const m of e.malformed) metrics.recordsMalformed.inc({ topic: r.topic, problem: m });
      if (at >= r.timestamp) metrics.ingestDelay.observe((at - r.timestamp) / 1000);
      if (r.isDlq || r.isRetry) {
        const origin = r.dlq?.originTopic ?? originFromTopicName(r.topic) ?? 'unknown';
        metrics.consumerErrors.inc({ topic: origin, kind: r.isDlq ? 'dlq' : 'retry' });
        if (r.isDlq)
          metrics.dlqRecords.inc({ dlq_topic: r.topic, origin_topic: r.dlq?.originTopic ?? 'unknown' });
      }
      for (const a of e.anomalies) metrics.anomalies.inc({ kind: a.kind });
      for (const t of e.sagaTransitions) metrics.sagaTransitions.inc({ saga_type: t.type, state: t.state });
      if (e.completion) {
        const flow =
          e.completion.flow && deps.knownFlows.has(e.completion.flow) ? e.completion.flow : 'other';
        metrics.chainLatency.observe({ flow }, e.completion.seconds);
      }
    }
  }

  async function handleBatch(batch: RecordBatch): Promise<void> {
    const at = now();
    const opts = { maxValueBytes: config.MAX_VALUE_BYTES, dlqSuffixes: config.DLQ_TOPIC_SUFFIXES, now: at };
    const decoded = batch.records.map((r) => decodeRecord(r, opts));
    const end = metrics.storeWriteDuration.startTimer();
    const write = (safe: boolean) =>
      store.transaction(async (tx) => {
        const out: RecordEffects[] = [];
        for (const d of decoded) {
          const e = await deps.derive(tx, d, safe);
          if (e) out.push(e);
        }
        return out;
      });
    let effects: RecordEffects[];
    try {
      effects = await write(false);
    } catch (err) {
      if (!(err instanceof DerivationError)) throw err;
      log.warn(
        { err, topic: batch.topic, partition: batch.partition },
        'a derivation failed; storing the batch record by record',
      );
      effects = await write(true);
    }
    end();
    lastIngestAt = at;
    connected = true;
    error = null;
    const duplicates = decoded.length - effects.length;
    if (duplicates > 0) metrics.recordsIngested.inc({ topic: batch.topic, outcome: 'duplicate' }, duplicates);
    metrics.lastIngestTimestamp.set(at / 1000);
    observe(effects, at);
    if (hub.hasSubscribers()) hub.publish(effects.map((e) => toSummary(e.record)));
  }

  async function run() {
    if (stopping) return;
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
