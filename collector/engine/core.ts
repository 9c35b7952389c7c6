import type { RecordBatch } from '../../lib/bus/types.ts';
import type { Span } from '../../lib/api/chains.ts';
import type { RecordSummary } from '../../lib/api/records.ts';
import { originFromTopicName } from '../../lib/events/dlq.ts';
import type { Logger } from '../../lib/logger.ts';
import { toSummary } from '../api/record-views.ts';
import { createChainTracker } from '../chains/tracker.ts';
import type { CollectorConfig } from '../config.ts';
import { decodeRecord } from '../ingest/decode-record.ts';
import { createDeriver, DerivationError, type RecordEffects } from '../ingest/derive.ts';
import type { SagaCatalog } from '../sagas/definitions.ts';
import { createSagaTracker, type SagaTransition } from '../sagas/tracker.ts';
import type { RetentionResult, Store } from '../store/types.ts';
import { storeSpans } from '../traces/store-spans.ts';
import { createDerivationCache } from './cache.ts';

// The ingest engine: the one writer of records, spans and everything derived from them. It runs
// in a worker thread (engine-worker.ts) so storing overlaps with fetching on the main thread, or
// inline for in-memory stores and tests; both run this same code.
//
// Group commit: batches queue up while a transaction runs, and the next transaction takes all of
// them (up to MAX_TXN_RECORDS). One COMMIT per group rather than per partition batch, and chain
// and saga rows touched by several records of the group are written once (cache.ts). A batch's
// promise settles when its transaction commits, which is when the Bus may commit its offsets.

export type EngineConfig = Pick<
  CollectorConfig,
  | 'MAX_VALUE_BYTES'
  | 'DLQ_TOPIC_SUFFIXES'
  | 'CHAIN_TERMINAL_TYPES'
  | 'CHAIN_FINAL_TYPES'
  | 'LATE_EVENT_THRESHOLD_MS'
  | 'SAGA_STUCK_GRACE_MS'
>;

const MAX_TXN_RECORDS = 2000;

/** What main needs to update metrics, topology and the tail after a batch is stored. */
export interface BatchOutcome {
  readonly topic: string;
  readonly stored: number;
  readonly duplicates: number;
  readonly at: number;
  /** [metric, labels, count] aggregated over the batch. */
  readonly counts: [CountedMetric, Record<string, string>, number][];
  /** Seconds from broker time to storage, per record stored. */
  readonly delays: number[];
  /** [flow, seconds] per chain this batch completed. */
  readonly completions: [string | null, number][];
  /** [source, topic, isDlq, count] */
  readonly traffic: [string | null, string, boolean, number][];
  /** [origin topic, origin group, count] */
  readonly deadLetters: [string | null, string | null, number][];
  /** Only when the tail has subscribers. */
  readonly summaries: RecordSummary[] | null;
  /** Seconds the group's transaction took, on the first batch of each group only. */
  readonly transactionSeconds: number | null;
}

export type CountedMetric =
  'recordsMalformed' | 'consumerErrors' | 'dlqRecords' | 'anomalies' | 'sagaTransitions';

export interface MaintenanceResult {
  readonly stuck: SagaTransition[];
  readonly removed: RetentionResult;
}

function summarise(
  batch: RecordBatch,
  effects: readonly RecordEffects[],
  at: number,
  tail: boolean,
): BatchOutcome {
  const counts = new Map<string, [CountedMetric, Record<string, string>, number]>();
  const count = (m: CountedMetric, labels: Record<string, string>) => {
    const k = `${m}\u0000${JSON.stringify(labels)}`;
    const c = counts.get(k);
    if (c) c[2]++;
    else counts.set(k, [m, labels, 1]);
  };
  const traffic = new Map<string, [string | null, string, boolean, number]>();
  const deadLetters = new Map<string, [string | null, string | null, number]>();
  const delays: number[] = [];
  const completions: [string | null, number][] = [];
  for (const e of effects) {
    const r = e.record;
    const tk = `${r.ceSource ?? ''}\u0000${r.topic}\u0000${r.isDlq}`;
    const t = traffic.get(tk);
    if (t) t[3]++;
    else traffic.set(tk, [r.ceSource, r.topic, r.isDlq, 1]);
    if (r.isDlq) {
      const o = r.dlq?.originTopic ?? null;
      const g = r.dlq?.originGroup ?? null;
      const dk = `${o ?? ''}\u0000${g ?? ''}`;
      const d = deadLetters.get(dk);
      if (d) d[2]++;
      else deadLetters.set(dk, [o, g, 1]);
    }
    for (const m of e.malformed) count('recordsMalformed', { topic: r.topic, problem: m });
    if (at >= r.timestamp) delays.push((at - r.timestamp) / 1000);
    if (r.isDlq || r.isRetry) {
      const origin = r.dlq?.originTopic ?? originFromTopicName(r.topic) ?? 'unknown';
      count('consumerErrors', { topic: origin, kind: r.isDlq ? 'dlq' : 'retry' });
      if (r.isDlq) count('dlqRecords', { dlq_topic: r.topic, origin_topic: r.dlq?.originTopic ?? 'unknown' });
    }
    for (const a of e.anomalies) count('anomalies', { kind: a.kind });
    for (const s of e.sagaTransitions) count('sagaTransitions', { saga_type: s.type, state: s.state });
    if (e.completion) completions.push([e.completion.flow, e.completion.seconds]);
  }
  return {
    topic: batch.topic,
    stored: effects.length,
    duplicates: batch.records.length - effects.length,
    at,
    counts: [...counts.values()],
    delays,
    completions,
    traffic: [...traffic.values()],
    deadLetters: [...deadLetters.values()],
    summaries: tail ? effects.map((e) => toSummary(e.record)) : null,
    transactionSeconds: null,
  };
}

interface Job {
  readonly batch: RecordBatch;
  readonly tail: boolean;
  readonly resolve: (o: BatchOutcome) => void;
  readonly reject: (err: unknown) => void;
}

export function createEngineCore(deps: {
  store: Store;
  config: EngineConfig;
  catalog: SagaCatalog;
  logger: Logger;
  now: () => number;
}) {
  const { store, config, now } = deps;
  const log = deps.logger.child({ component: 'ingest-engine' });
  const cache = createDerivationCache();
  const chains = createChainTracker({
    terminalTypes: config.CHAIN_TERMINAL_TYPES,
    finalTypes: config.CHAIN_FINAL_TYPES,
    catalog: deps.catalog,
    now,
  });
  const sagas = createSagaTracker({ catalog: deps.catalog, now, stuckGraceMs: config.SAGA_STUCK_GRACE_MS });
  const derive = createDeriver({
    chains,
    sagas,
    lateThresholdMs: config.LATE_EVENT_THRESHOLD_MS,
    now,
    logger: log,
  });
  const queue: Job[] = [];
  let pumping = false;

  if (store.warmKeys) {
    const t0 = performance.now();
    cache.warm(store.warmKeys());
    log.debug({ ms: Math.round(performance.now() - t0) }, 'derivation cache warmed');
  }

  /**
   * Runs `fn` in a store transaction through the cache. On failure the cache is dropped inside the
   * transaction, before its ROLLBACK, so no later transaction can see what was rolled back.
   */
  function write<T>(fn: (tx: ReturnType<typeof cache.wrap>) => Promise<T>): Promise<T> {
    return store.transaction(async (raw) => {
      try {
        const out = await fn(cache.wrap(raw));
        await cache.flush(raw);
        return out;
      } catch (err) {
        cache.invalidate();
        throw err;
      }
    });
  }

  async function storeGroup(jobs: readonly Job[]): Promise<BatchOutcome[]> {
    const at = now();
    const opts = { maxValueBytes: config.MAX_VALUE_BYTES, dlqSuffixes: config.DLQ_TOPIC_SUFFIXES, now: at };
    const decoded = jobs.map((j) => j.batch.records.map((r) => decodeRecord(r, opts)));
    const run = (safe: boolean) =>
      write(async (tx) => {
        const out: RecordEffects[][] = [];
        for (const batch of decoded) {
          const effects: RecordEffects[] = [];
          for (const d of batch) {
            const e = await derive(tx, d, safe);
            if (e) effects.push(e);
          }
          out.push(effects);
        }
        return out;
      });
    let effects: RecordEffects[][];
    try {
      effects = await run(false);
    } catch (err) {
      if (!(err instanceof DerivationError)) throw err;
      log.warn({ err }, 'a derivation failed; storing the group record by record');
      effects = await run(true);
    }
    return jobs.map((j, i) => summarise(j.batch, effects[i]!, at, j.tail));
  }

  async function pump() {
    if (pumping) return;
    pumping = true;
    try {
      while (queue.length) {
        // Let batches that arrived meanwhile (worker messages are macrotasks) join this group.
        await new Promise<void>((r) => setImmediate(r));
        const group: Job[] = [];
        let n = 0;
        while (
          queue.length &&
          (group.length === 0 || n + queue[0]!.batch.records.length <= MAX_TXN_RECORDS)
        ) {
          const j = queue.shift()!;
          n += j.batch.records.length;
          group.push(j);
        }
        try {
          const t0 = performance.now();
          const outcomes = await storeGroup(group);
          const ms = performance.now() - t0;
          log.trace({ batches: group.length, records: n, ms: Math.round(ms) }, 'group stored');
          outcomes[0] = { ...outcomes[0]!, transactionSeconds: ms / 1000 };
          group.forEach((j, i) => j.resolve(outcomes[i]!));
        } catch (err) {
          for (const j of group) j.reject(err);
        }
      }
    } finally {
      pumping = false;
    }
  }

  return {
    /** Settles when the batch (and the group it joined) is committed to the store. */
    ingest(batch: RecordBatch, wantSummaries: boolean): Promise<BatchOutcome> {
      return new Promise<BatchOutcome>((resolve, reject) => {
        queue.push({ batch, tail: wantSummaries, resolve, reject });
        void pump();
      });
    },
    storeSpans: (spans: readonly Span[]) => write((tx) => storeSpans(tx, spans, now())),
    async maintain(opts: {
      olderThan: number;
      maxRecords: number;
      maxDeletes: number;
    }): Promise<MaintenanceResult> {
      const stuck = await write((tx) => sagas.sweep(tx));
      const removed = await store.enforceRetention(opts);
      // Rows retention deleted may sit in the cache; the unflushed writes of a group in flight stay.
      if (removed.records || removed.spans || removed.other) cache.forgetClean();
      return { stuck, removed };
    },
  };
}
