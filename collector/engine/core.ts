import type { Span } from '../../lib/api/chains.ts';
import { originFromTopicName } from '../../lib/events/dlq.ts';
import type { Logger } from '../../lib/logger.ts';
import { createChainTracker } from '../chains/tracker.ts';
import type { CollectorConfig } from '../config.ts';
import { createCatchUpWatch } from '../ingest/catch-up.ts';
import {
  decodeOptionsOf,
  decodeRecord,
  type DecodedRecord,
  type DecodeOptions,
} from '../ingest/decode-record.ts';
import { createDeriver, DerivationError, type RecordEffects } from '../ingest/derive.ts';
import type { SagaCatalog } from '../sagas/definitions.ts';
import { createSagaTracker, type SagaTransition } from '../sagas/tracker.ts';
import type { LandedChunk, LandingChunk, RetentionResult, Store, StoreTx } from '../store/types.ts';
import { storeSpans } from '../traces/store-spans.ts';
import { createDerivationCache } from './cache.ts';
import { decodeRecordBatch, readBatchHeader, RecordBatchError } from '../../lib/bus/kafka-record-batch.ts';
import { packedLayout, readPackedRecords, type PackedBatch } from './protocol.ts';

// The ingest engine: the one writer of records, spans and everything derived from them. It runs
// in a worker thread (engine-worker.ts) so storing overlaps with fetching on the main thread, or
// inline for in-memory stores and tests; both run this same code.
//
// Staged ingest, two steps on one writer:
//  1. Land: fetched batches are appended to the landing table as the bytes the broker sent, in
//     chunks of consecutive records, all batches queued meanwhile in one transaction. An append
//     touches only the ends of two B-trees once per chunk, so landing keeps up with fetching; a
//     batch's promise settles at its COMMIT, and then the Bus may commit its offsets: the record is
//     in the store, whatever happens next. A redelivered record (offset at or below the highest
//     the partition has landed, and found landed or indexed) does not land again.
//  2. Index: landed chunks are decoded, derived (chains, sagas, DLQ, anomalies, text index) and
//     written to the records tables in landing order, and deleted from landing in the same
//     transaction, so a crash resumes where indexing stopped. This is the expensive step (random
//     B-tree inserts into every id index); it runs whenever nothing waits to land and the consumer
//     is not catching up, in transactions kept short while batches keep arriving, long when the
//     engine has the time (fewer page writes per record). Records reach the API and the metrics
//     when they are indexed.
//
// Landing has priority, so a burst or a catch-up from the start of a topic becomes an indexing
// backlog on local disk (reported as `waiting`), not consumer lag that the broker's retention
// could delete. Up to COLLECTOR_MAX_UNINDEXED: past it, landing waits for indexing.
//
// The live tail is not fed here: it gets records as they are fetched (ingest/tail-feed.ts).

export type EngineConfig = Pick<
  CollectorConfig,
  | 'MAX_VALUE_BYTES'
  | 'DLQ_TOPIC_SUFFIXES'
  | 'CHAIN_TERMINAL_TYPES'
  | 'CHAIN_FINAL_TYPES'
  | 'LATE_EVENT_THRESHOLD_MS'
  | 'SAGA_STUCK_GRACE_MS'
  | 'COLLECTOR_MAX_UNINDEXED'
>;

/** Records per landing transaction at most (all queued batches, usually far fewer). */
const MAX_LAND_RECORDS = 20_000;
/**
 * A landing chunk's records and bytes at most (a larger record is a chunk of its own). Indexing
 * takes whole chunks, so this is also how far a transaction may run past its time budget.
 */
const CHUNK_RECORDS = 32;
const CHUNK_BYTES = 256 * 1024;
/**
 * Records, and bytes of them as fetched, per indexing transaction and per read of landed rows at
 * most: they are held decoded until the COMMIT, and a JSON value parses to several times its size.
 */
const MAX_INDEX_RECORDS = 2000;
const MAX_INDEX_BYTES = 8 * 1024 * 1024;
/**
 * Time an indexing transaction may take before it commits: shorter while batches arrive (landing
 * waits for it), long when idle. Each COMMIT writes every page the transaction dirtied and the id
 * indexes are random, so a longer transaction writes fewer pages per record (measured: 25 ms
 * transactions spent 42 µs per record in COMMIT). The share of time indexing gets while batches
 * arrive does not depend on this budget, only how often it alternates with landing.
 */
const INDEX_BUDGET_BUSY_MS = 100;
const INDEX_BUDGET_IDLE_MS = 500;
/** Batches landed this recently make the engine busy. */
const BUSY_WINDOW_MS = 200;
/** How long indexing waits for the next lag report while the consumer is catching up. */
const CATCH_UP_RECHECK_MS = 3000;

/** What main needs to update metrics and topology after records are indexed. */
export interface BatchOutcome {
  readonly topic: string;
  readonly stored: number;
  readonly duplicates: number;
  readonly at: number;
  /** [metric, labels, count] aggregated over the batch. */
  readonly counts: [CountedMetric, Record<string, string>, number][];
  /** Seconds from broker time to indexing, per record stored. */
  readonly delays: number[];
  /** [flow, seconds] per chain this batch completed. */
  readonly completions: [string | null, number][];
  /** [source, topic, isDlq, count] */
  readonly traffic: [string | null, string, boolean, number][];
  /** [origin topic, origin group, count] */
  readonly deadLetters: [string | null, string | null, number][];
  /** Seconds the indexing transaction took, on the first outcome of each transaction only. */
  readonly transactionSeconds: number | null;
}

export type CountedMetric =
  'recordsMalformed' | 'consumerErrors' | 'dlqRecords' | 'anomalies' | 'sagaTransitions';

export interface MaintenanceResult {
  readonly stuck: SagaTransition[];
  readonly removed: RetentionResult;
}

function summarise(topic: string, rows: number, effects: readonly RecordEffects[], at: number): BatchOutcome {
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
    topic,
    stored: effects.length,
    duplicates: rows - effects.length,
    at,
    counts: [...counts.values()],
    delays,
    completions,
    traffic: [...traffic.values()],
    deadLetters: [...deadLetters.values()],
    transactionSeconds: null,
  };
}

/** Outcomes per run of consecutive chunks from one partition; `effects` per chunk, per record. */
function outcomesOf(
  chunks: readonly LandedChunk[],
  effects: readonly (readonly (RecordEffects | undefined)[])[],
  at: number,
): BatchOutcome[] {
  const out: BatchOutcome[] = [];
  let from = 0;
  for (let i = 1; i <= effects.length; i++) {
    const a = chunks[from]!;
    const b = i < effects.length ? chunks[i] : undefined;
    if (b && b.topic === a.topic && b.partition === a.partition) continue;
    const run = effects.slice(from, i).flat();
    out.push(
      summarise(
        a.topic,
        run.length,
        run.filter((e): e is RecordEffects => e !== undefined),
        at,
      ),
    );
    from = i;
  }
  return out;
}

interface LandJob {
  readonly batch: PackedBatch;
  /** With the number of the batch's records that were redeliveries (already landed or indexed). */
  readonly resolve: (duplicates: number) => void;
  readonly reject: (err: unknown) => void;
}

export function createEngineCore(deps: {
  store: Store;
  config: EngineConfig;
  catalog: SagaCatalog;
  logger: Logger;
  now: () => number;
  /** Called after each indexing transaction: one outcome per run of chunks from one partition. */
  onIndexed: (outcomes: BatchOutcome[]) => void;
  /** Index this many records one landing chunk per transaction first (a restart after a crash). */
  cautiousRecords?: number;
}) {
  const { store, config, now } = deps;
  const log = deps.logger.child({ component: 'ingest-engine' });
  const cache = createDerivationCache({ entries: 4_000, shared: store.shared === true });
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
  const landQueue: LandJob[] = [];
  let lastLandAt = -Infinity;
  const catchUp = createCatchUpWatch();
  let catchUpTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let pumping: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;
  let cautious = deps.cautiousRecords ?? 0;

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

  /**
   * Per partition, the highest offset landed or indexed (read from the store on first sight, raised
   * after each landing commits): a record above it is new without a probe. Never too low, as this
   * engine is landing's one writer; should retention delete records below it, those are probed.
   */
  const highest = new Map<string, number>();

  interface Landing {
    readonly chunks: LandingChunk[];
    /** Records of the batch already landed or indexed. */
    readonly held: number;
    /** The partition's highest offset landed, this batch included. */
    readonly mark: number;
  }

  /**
   * Kafka record batches land whole, each a chunk, from the first offset not yet held: a
   * partition's records land in offset order, so every record at or below `mark` is held.
   */
  function kafkaChunks(batch: PackedBatch, landedAt: number, mark: number): Landing {
    const { topic, partition } = batch;
    const buf = Buffer.from(batch.bytes);
    const chunks: LandingChunk[] = [];
    let held = 0;
    for (let at = 0; at < buf.length;) {
      const h = readBatchHeader(buf, at);
      if (!h) throw new Error(`a fetched record batch of ${topic}/${partition} is cut short`);
      const start = Math.max(h.baseOffset, batch.fromOffset);
      const from = Math.max(start, mark + 1);
      held += Math.max(0, Math.min(from, h.lastOffset + 1) - start);
      if (from <= h.lastOffset) {
        chunks.push({
          topic,
          partition,
          format: 'kafka',
          firstOffset: from,
          lastOffset: h.lastOffset,
          count: h.recordCount,
          landedAt,
          body: buf.subarray(at, at + h.size),
        });
        mark = h.lastOffset;
      }
      at += h.size;
    }
    return { chunks, held, mark };
  }

  /**
   * Packed records land in chunks of consecutive new ones. A record above `mark` is new; one at or
   * below it is probed (a redelivery, or a record the store's retention deleted and a reset re-read).
   */
  async function packedChunks(
    tx: StoreTx,
    batch: PackedBatch,
    landedAt: number,
    mark: number,
  ): Promise<Landing> {
    const { topic, partition } = batch;
    const buf = Buffer.from(batch.bytes);
    const { offsets, ends } = packedLayout(buf, batch.count);
    const chunks: LandingChunk[] = [];
    // Records from..to-1 are new: cut them into chunks.
    const cut = (from: number, to: number) => {
      for (let i = from; i < to;) {
        const start = i === 0 ? 0 : ends[i - 1]!;
        let j = i + 1;
        while (j < to && j - i < CHUNK_RECORDS && ends[j]! - start <= CHUNK_BYTES) j++;
        chunks.push({
          topic,
          partition,
          format: 'packed',
          firstOffset: offsets[i]!,
          lastOffset: offsets[j - 1]!,
          count: j - i,
          landedAt,
          body: buf.subarray(start, ends[j - 1]),
        });
        i = j;
      }
    };
    let run = -1;
    let held = 0;
    for (let i = 0; i < batch.count; i++) {
      const o = offsets[i]!;
      if (o > mark || !(await tx.landing.holds(topic, partition, o))) {
        if (run < 0) run = i;
        mark = Math.max(mark, o);
        continue;
      }
      held++;
      if (run >= 0) cut(run, i);
      run = -1;
    }
    if (run >= 0) cut(run, batch.count);
    return { chunks, held, mark };
  }

  async function landGroup(jobs: readonly LandJob[]): Promise<void> {
    const landedAt = now();
    const landings = await store.transaction(async (tx) => {
      const marks = new Map<string, number>();
      const out: Landing[] = [];
      for (const { batch } of jobs) {
        const key = `${batch.topic}\u0000${batch.partition}`;
        const mark =
          marks.get(key) ??
          highest.get(key) ??
          (await tx.landing.highestOffset(batch.topic, batch.partition));
        const l =
          batch.format === 'kafka'
            ? kafkaChunks(batch, landedAt, mark)
            : await packedChunks(tx, batch, landedAt, mark);
        marks.set(key, l.mark);
        out.push(l);
      }
      await tx.landing.append(out.flatMap((l) => l.chunks));
      return out;
    });
    jobs.forEach((j, i) => {
      const l = landings[i]!;
      highest.set(`${j.batch.topic}\u0000${j.batch.partition}`, l.mark);
      j.resolve(l.held);
    });
  }

  function decodeChunk(chunk: LandingChunk, opts: DecodeOptions): DecodedRecord[] {
    const body = Buffer.from(chunk.body.buffer, chunk.body.byteOffset, chunk.body.byteLength);
    if (chunk.format === 'packed')
      return readPackedRecords(body, chunk.topic, chunk.partition).map((r) => decodeRecord(r, opts));
    try {
      return decodeRecordBatch(body, chunk.topic, chunk.partition, chunk.firstOffset).map((r) =>
        decodeRecord(r, opts),
      );
    } catch (err) {
      if (!(err instanceof RecordBatchError)) throw err;
      // Kept, not dropped: the batch as fetched, as one record at its first offset, saying why.
      log.warn(
        { err, topic: chunk.topic, partition: chunk.partition },
        'a record batch could not be decoded',
      );
      const d = decodeRecord(
        {
          topic: chunk.topic,
          partition: chunk.partition,
          offset: chunk.firstOffset,
          timestamp: readBatchHeader(body)?.maxTimestamp ?? chunk.landedAt,
          key: null,
          value: body,
          headers: [],
        },
        opts,
      );
      const problem = { problem: `record batch not decoded (${err.message}); its bytes are the value` };
      return [{ ...d, record: { ...d.record, problems: [...d.record.problems, problem] } }];
    }
  }

  // Landed chunks read ahead and not yet indexed: a transaction the budget cut short leaves the
  // rest for the next one without reading them again. Valid because this engine is landing's one
  // writer.
  let readAhead: LandedChunk[] = [];

  /** Indexes the oldest landed chunks in one transaction; false when none wait. */
  async function indexChunk(budgetMs: number): Promise<boolean> {
    if (!readAhead.length)
      readAhead = await store.landing.next(cautious > 0 ? 1 : MAX_INDEX_RECORDS, MAX_INDEX_BYTES);
    const chunks = readAhead;
    if (!chunks.length) return false;
    const at = now();
    const decoded: DecodedRecord[][] = [];
    const opts = decodeOptionsOf(config, at);
    const decodedAt = (i: number) => (decoded[i] ??= decodeChunk(chunks[i]!, opts));
    const t0 = performance.now();
    const run = (safe: boolean, upTo: number) =>
      write(async (tx) => {
        const effects: (RecordEffects | undefined)[][] = [];
        for (let i = 0; i < upTo; i++) {
          if (!safe && i > 0 && performance.now() - t0 > budgetMs) break;
          const out: (RecordEffects | undefined)[] = [];
          for (const d of decodedAt(i)) out.push(await derive(tx, d, safe));
          effects.push(out);
        }
        await tx.landing.remove(chunks[effects.length - 1]!.seq);
        return effects;
      });
    let effects: (RecordEffects | undefined)[][];
    try {
      effects = await run(false, chunks.length);
    } catch (err) {
      if (!(err instanceof DerivationError)) throw err;
      log.warn({ err }, 'a derivation failed; indexing the chunks record by record');
      effects = await run(true, Math.max(1, decoded.length));
    }
    readAhead = chunks.slice(effects.length);
    const records = effects.reduce((n, e) => n + e.length, 0);
    cautious = Math.max(0, cautious - records);
    const ms = performance.now() - t0;
    log.trace({ records, ms: Math.round(ms) }, 'records indexed');
    const outcomes = outcomesOf(chunks, effects, at);
    outcomes[0] = { ...outcomes[0]!, transactionSeconds: ms / 1000 };
    deps.onIndexed(outcomes);
    return true;
  }

  /** One transaction's worth of work: landing first, else indexing; false when there is none. */
  async function step(): Promise<boolean> {
    // Let batches that arrived meanwhile (worker messages are macrotasks) join this group.
    await new Promise<void>((r) => setImmediate(r));
    const full = (await store.landing.stats()).waiting >= config.COLLECTOR_MAX_UNINDEXED;
    if (landQueue.length && !full) {
      const group: LandJob[] = [];
      let n = 0;
      while (landQueue.length && (group.length === 0 || n + landQueue[0]!.batch.count <= MAX_LAND_RECORDS)) {
        const j = landQueue.shift()!;
        n += j.batch.count;
        group.push(j);
      }
      lastLandAt = performance.now();
      for (const { batch } of group)
        if (batch.lastOffset !== null)
          catchUp.note(batch.topic, batch.partition, batch.highWatermark, batch.lastOffset);
      try {
        await landGroup(group);
      } catch (err) {
        for (const j of group) j.reject(err);
      }
      return true;
    }
    if (retryTimer) return false;
    // A full landing table is indexed whatever the lag: landing waits for it.
    if (!full && catchUp.catchingUp()) {
      // Until the next batch lands, or the lag reports go stale.
      catchUpTimer ??= setTimeout(() => {
        catchUpTimer = undefined;
        pump();
      }, CATCH_UP_RECHECK_MS);
      return false;
    }
    const busy = landQueue.length > 0 || performance.now() - lastLandAt < BUSY_WINDOW_MS;
    try {
      const indexed = await indexChunk(busy ? INDEX_BUDGET_BUSY_MS : INDEX_BUDGET_IDLE_MS);
      failures = 0;
      return indexed;
    } catch (err) {
      // The rows stay landed (their offsets are committed): retry later, and land meanwhile.
      failures++;
      const ms = Math.min(30_000, 1000 * 2 ** (failures - 1));
      log.error({ err, retryInMs: ms }, 'indexing landed records failed; retrying');
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        pump();
      }, ms);
      return landQueue.length > 0;
    }
  }

  function pump(): void {
    if (pumping || stopping) return;
    pumping = (async () => {
      try {
        while (!stopping && (await step()));
      } catch (err) {
        log.error({ err }, 'the ingest engine failed');
      } finally {
        pumping = undefined;
      }
      // A batch that arrived as the loop was ending.
      if (landQueue.length && !stopping) pump();
    })();
  }

  // Rows a previous run landed and did not index.
  pump();

  return {
    /**
     * Settles when the batch is landed (durable in the store), with how many of its records were
     * redeliveries; indexing follows.
     */
    land(batch: PackedBatch): Promise<number> {
      return new Promise<number>((resolve, reject) => {
        landQueue.push({ batch, resolve, reject });
        pump();
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
    /** Stops landing and indexing after the current transaction; what is landed stays landed. */
    async stop(): Promise<void> {
      stopping = true;
      if (retryTimer) clearTimeout(retryTimer);
      if (catchUpTimer) clearTimeout(catchUpTimer);
      await pumping;
      for (const j of landQueue.splice(0)) j.reject(new Error('the ingest engine is stopping'));
    },
  };
}
