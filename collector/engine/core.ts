import type { Span } from '../../lib/api/chains.ts';
import type { RecordSummary } from '../../lib/api/records.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CollectorConfig } from '../config.ts';
import { createCatchUpWatch } from '../ingest/catch-up.ts';
import { decodeOptionsOf } from '../ingest/decode-record.ts';
import type { SagaCatalog } from '../sagas/definitions.ts';
import type { SagaTransition } from '../sagas/tracker.ts';
import type { RetentionResult, Store } from '../store/types.ts';
import { storeSpans } from '../traces/store-spans.ts';
import { createDecodeAhead } from './decode-ahead.ts';
import { createFrontier, type Frontier, type Passed } from './frontier.ts';
import { createIndexer } from './indexer.ts';
import { createLandingStage, type LandJob } from './land.ts';
import type { BatchOutcome } from './outcomes.ts';
import { oldestInChunk, type PackedBatch } from './protocol.ts';
export type { BatchOutcome, CountedMetric } from './outcomes.ts';

// The ingest engine: the one writer of records, spans and everything derived from them. It runs
// in a worker thread (engine-worker.ts) so storing overlaps with fetching on the main thread, or
// inline for in-memory stores and tests; both run this same code.
//
// Staged ingest, two steps on one writer:
//  1. Land (land.ts): fetched batches are appended to the landing table as the bytes the broker sent, in
//     chunks of consecutive records, all batches queued meanwhile in one transaction. An append
//     touches only the ends of two B-trees once per chunk, so landing keeps up with fetching; a
//     batch's promise settles at its COMMIT, and then the Bus may commit its offsets: the record is
//     in the store, whatever happens next. A redelivered record (offset at or below the highest
//     the partition has landed, and found landed or indexed) does not land again.
//  2. Index (indexer.ts): landed chunks are decoded, derived (chains, sagas, DLQ, anomalies, text index) and
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
// How far this is complete in event time (frontier.ts, `indexedThrough`): what waits to be
// indexed, and how far each partition is fetched. Saga deadlines are judged no later than that,
// here and on the search worker, which holds what the engine hands it until its rounds read it.
//
// The live tail: while someone watches, main says which records of a batch go to it (ingest/
// tail-feed.ts); they are decoded as the batch arrives, before it lands, shown through `onTail`, and
// the decoded records are held for indexing (decode-ahead.ts), so each is decoded once.

export type EngineConfig = Pick<
  CollectorConfig,
  | 'MAX_VALUE_BYTES'
  | 'DLQ_TOPIC_SUFFIXES'
  | 'CHAIN_TERMINAL_TYPES'
  | 'CHAIN_FINAL_TYPES'
  | 'LATE_EVENT_THRESHOLD_MS'
  | 'SAGA_STUCK_GRACE_MS'
  | 'COLLECTOR_MAX_UNINDEXED'
  | 'COLLECTOR_MAX_BATCH_BYTES'
>;

/** A batch for the live tail arrived this recently: its watchers wait for the next ones. */
const TAIL_WATCHED_MS = 2000;
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
/**
 * On a store shared by several collectors, how often an idle engine looks for landed chunks of a
 * collector that went quiet (killed mid-load): `landing.next` adopts them, but only when it runs,
 * and without this nothing calls it once this collector has nothing of its own to land or index.
 */
const ADOPT_INTERVAL_MS = 5000;
export interface MaintenanceResult {
  readonly stuck: SagaTransition[];
  readonly removed: RetentionResult;
}

/** Rows an earlier run landed hold deadlines back from each partition's oldest, until indexed. */
async function enterLandedBefore(
  store: Store,
  frontier: Frontier,
  waiting: number,
  log: Logger,
): Promise<void> {
  if (!waiting) return;
  try {
    for (const { first, lastOffset } of await store.landing.waitingPartitions()) {
      const body = Buffer.from(first.body.buffer, first.body.byteOffset, first.body.byteLength);
      frontier.enter(first.topic, first.partition, lastOffset, oldestInChunk(first.format, body));
    }
  } catch (err) {
    log.warn(
      { err },
      'could not read when the landed records were written; judging no deadline until indexed',
    );
    frontier.unknownAhead(waiting);
  }
}

export interface EngineCoreDeps {
  store: Store;
  config: EngineConfig;
  catalog: SagaCatalog;
  logger: Logger;
  now: () => number;
  /** Called after each indexing transaction: one outcome per run of chunks from one partition. */
  onIndexed: (outcomes: BatchOutcome[]) => void;
  /** Called when indexing waits because the consumer is catching up, with the landed rows waiting. */
  onIndexingDeferred?: (waiting: number) => void;
  /** Index this many records one landing chunk per transaction first (a restart after a crash). */
  cautiousRecords?: number;
  /** Landing seq -> times the worker died while a transaction beginning with it ran. */
  suspects?: ReadonlyMap<number, number>;
  /** Called as an indexing transaction begins, with the seq of its first chunk. */
  onIndexing?: (seq: number) => void;
  /** Landed batches indexed (or set aside): what the search worker holds until it has read them. */
  onPassed?: (passed: Passed[]) => void;
  /** The live tail's view of arriving records that main asked to show (`land`'s `tailAfter`). */
  onTail?: (records: RecordSummary[]) => void;
  /**
   * On the worker only: while batches for the live tail arrive, indexing transactions let them in
   * this often (indexer.ts `yieldEveryMs`), so the tail does not wait for a COMMIT.
   */
  yieldEveryMs?: number;
}

export function createEngineCore(deps: EngineCoreDeps) {
  const { store, config, now } = deps;
  const log = deps.logger.child({ component: 'ingest-engine' });
  const catchUp = createCatchUpWatch();
  let catchUpTimer: NodeJS.Timeout | undefined;
  let stopping = false;
  let pumping: Promise<void> | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let failures = 0;

  // Records handed to this engine and not yet indexed, and the partitions' positions on the
  // broker: how far deadlines can be judged (frontier.ts). Rows an earlier run landed enter at the
  // first step, each partition's from the time of its oldest chunk.
  const frontier = createFrontier();
  let firstStep = true;

  const ahead = createDecodeAhead({
    maxBatchBytes: config.COLLECTOR_MAX_BATCH_BYTES,
    lateThresholdMs: config.LATE_EVENT_THRESHOLD_MS,
    logger: log,
  });
  let tailAt = -Infinity;
  const indexer = createIndexer({
    ...deps,
    logger: log,
    frontier,
    ahead,
    yieldEveryMs: () =>
      deps.yieldEveryMs !== undefined && performance.now() - tailAt < TAIL_WATCHED_MS
        ? deps.yieldEveryMs
        : undefined,
  });
  const { write, sagas, cache } = indexer;
  const landing = createLandingStage({ store, now, frontier, catchUp, ahead });

  /** One transaction's worth of work: landing first, else indexing; false when there is none. */
  async function step(): Promise<boolean> {
    // Let batches that arrived meanwhile (worker messages are macrotasks) join this group.
    await new Promise<void>((r) => setImmediate(r));
    const { waiting } = await store.landing.stats();
    if (firstStep) await enterLandedBefore(store, frontier, waiting, log);
    firstStep = false;
    const full = waiting >= config.COLLECTOR_MAX_UNINDEXED;
    if (landing.queued() && !full) {
      await landing.landQueued();
      return true;
    }
    if (retryTimer) return false;
    // A full landing table is indexed whatever the lag: landing waits for it.
    if (!full && catchUp.catchingUp()) {
      deps.onIndexingDeferred?.(waiting);
      // Until the next batch lands, or the lag reports go stale.
      catchUpTimer ??= setTimeout(() => {
        catchUpTimer = undefined;
        pump();
      }, CATCH_UP_RECHECK_MS);
      return false;
    }
    return indexStep();
  }

  /** One indexing transaction; after a failure, sets the failing chunk aside or retries later. */
  async function indexStep(): Promise<boolean> {
    try {
      const budget = landing.busy(BUSY_WINDOW_MS) ? INDEX_BUDGET_BUSY_MS : INDEX_BUDGET_IDLE_MS;
      const indexed = await indexer.indexChunk(budget);
      failures = 0;
      return indexed;
    } catch (err) {
      try {
        if (await indexer.afterIndexFailure(err)) return true;
      } catch (qErr) {
        log.error({ err: qErr }, 'could not set a failing batch aside');
      }
      // The rows stay landed (their offsets are committed): retry later, and land meanwhile.
      failures++;
      const ms = Math.min(30_000, 1000 * 2 ** (failures - 1));
      log.error({ err, retryInMs: ms }, 'indexing landed records failed; retrying');
      retryTimer = setTimeout(() => {
        retryTimer = undefined;
        pump();
      }, ms);
      return landing.queued() > 0;
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
      if (landing.queued() && !stopping) pump();
    })();
  }

  // Rows a previous run landed and did not index.
  pump();
  const adoptTimer = store.shared ? setInterval(pump, ADOPT_INTERVAL_MS) : undefined;
  adoptTimer?.unref();

  return {
    /**
     * Settles when the batch is landed (durable in the store), with how many of its records were
     * redeliveries; indexing follows. With `tailAfter`, its records past that offset go to `onTail`
     * at once, and what was decoded for them is held for indexing.
     */
    land(batch: PackedBatch, tailAfter?: number): Promise<number> {
      let decoded: LandJob['decoded'];
      if (tailAfter !== undefined && deps.onTail) {
        tailAt = performance.now();
        try {
          const d = ahead.decode(batch, tailAfter, decodeOptionsOf(config, now()));
          decoded = d.parts;
          if (d.tail.length) deps.onTail(d.tail);
        } catch (err) {
          // The tail is a view: the batch still lands and is indexed (and shown there).
          log.warn(
            { err, topic: batch.topic, partition: batch.partition },
            'could not show a batch on the live tail',
          );
        }
      }
      return new Promise<number>((resolve, reject) => {
        landing.enqueue({ batch, decoded, resolve, reject });
        pump();
      });
    },
    storeSpans: (spans: readonly Span[]) => write((tx) => storeSpans(tx, spans, now())),
    /**
     * The event time before which every record this engine was handed is indexed and every
     * partition it reads is fetched (+Infinity: nothing waits; -Infinity: an earlier run's
     * landed rows wait, of unknown time).
     */
    indexedThrough: (): number => frontier.through(),
    async maintain(opts: {
      olderThan: number;
      maxRecords: number;
      maxDeletes: number;
    }): Promise<MaintenanceResult> {
      // Where sagas are derived apart, the search worker sweeps them.
      const stuck = sagas ? await write((tx) => sagas.sweep(tx)) : [];
      const removed = await store.enforceRetention(opts);
      // Rows retention deleted may sit in the cache; the unflushed writes of a group in flight stay.
      if (removed.records || removed.spans || removed.other) cache.forgetClean();
      return { stuck, removed };
    },
    /** Stops landing and indexing after the current transaction; what is landed stays landed. */
    async stop(): Promise<void> {
      stopping = true;
      clearInterval(adoptTimer);
      if (retryTimer) clearTimeout(retryTimer);
      if (catchUpTimer) clearTimeout(catchUpTimer);
      await pumping;
      landing.rejectQueued(new Error('the ingest engine is stopping'));
    },
  };
}
