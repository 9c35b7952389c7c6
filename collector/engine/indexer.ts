import type { Logger } from '../../lib/logger.ts';
import { createChainTracker } from '../chains/tracker.ts';
import { decodeOptionsOf, type DecodedRecord } from '../ingest/decode-record.ts';
import { createDeriver, DerivationError, type RecordEffects } from '../ingest/derive.ts';
import type { SagaCatalog } from '../sagas/definitions.ts';
import { createSagaTracker } from '../sagas/tracker.ts';
import type { LandedChunk, Store } from '../store/types.ts';
import { createDerivationCache } from './cache.ts';
import type { EngineConfig } from './core.ts';
import { outcomesOf, type BatchOutcome } from './outcomes.ts';
import { createChunkDecoder } from './decode-chunk.ts';
import { judgedThrough, type Frontier, type Passed } from './frontier.ts';
import { createQuarantine } from './quarantine.ts';
import type { DecodeAhead } from './decode-ahead.ts';

// Stage 3 of ingest, indexing: landed chunks are decoded (once: decode-chunk.ts, or taken as
// decoded on arrival for the live tail, decode-ahead.ts), derived (chains, sagas, DLQ,
// anomalies, text index) and written to the records tables in landing order, and removed from
// landing in the same transaction. A chunk that cannot be decoded is kept as one record holding
// its bytes; one that indexing keeps failing on is quarantined the same way (see `quarantine`).
// The engine (core.ts) decides when indexing runs and for how long.

/**
 * Records, and bytes of them as fetched, per indexing transaction and per read of landed rows at
 * most: they are held decoded until the COMMIT, and a JSON value parses to several times its size
 * (so the bytes stay at 8 MB: the worker's heap is capped). The record count binds only while
 * catching up (the engine's time budget ends a transaction first while batches arrive). 5,000
 * rather than 2,000: each COMMIT writes every page it dirtied and each chain row is written once
 * per transaction; catching up took less CPU and indexed faster (docs/benchmarks.md, issue 13,
 * 2026-12-06 08:20).
 */
const MAX_INDEX_RECORDS = 5000;
const MAX_INDEX_BYTES = 8 * 1024 * 1024;
/** Failed attempts at indexing a chunk alone before it is set aside (quarantined). */
const MAX_INDEX_ATTEMPTS = 3;
/** Worker deaths while indexing a chunk before it is set aside. */
const MAX_WORKER_CRASHES = 2;

export interface IndexerDeps {
  readonly store: Store;
  readonly config: EngineConfig;
  readonly catalog: SagaCatalog;
  readonly logger: Logger;
  readonly now: () => number;
  /** Called after each indexing transaction: one outcome per run of chunks from one partition. */
  readonly onIndexed: (outcomes: BatchOutcome[]) => void;
  /** Index this many records one landing chunk per transaction first (a restart after a crash). */
  readonly cautiousRecords?: number;
  /** Landing seq -> times the worker died while a transaction beginning with it ran. */
  readonly suspects?: ReadonlyMap<number, number>;
  /** Called as an indexing transaction begins, with the seq of its first chunk. */
  readonly onIndexing?: (seq: number) => void;
  /**
   * Where landed records wait (the engine's): chunks leave it as they are indexed or set aside,
   * and deadlines are judged only up to it.
   */
  readonly frontier?: Frontier;
  /** Landed batches that left the frontier (indexed or set aside): for the search worker's. */
  readonly onPassed?: (passed: Passed[]) => void;
  /** Chunks decoded as they arrived (for the live tail): taken instead of decoding them again. */
  readonly ahead?: DecodeAhead;
  /**
   * While someone waits for arriving batches (the live tail is watched), how often a transaction
   * lets the thread's other work in, between records (undefined: never). On the worker, whose
   * connection nobody else uses, so arriving batches reach the tail without waiting for the
   * COMMIT; never inline, where the API reads the same connection. Asked once per transaction.
   */
  readonly yieldEveryMs?: () => number | undefined;
}

export function createIndexer(deps: IndexerDeps) {
  const { store, config, now } = deps;
  const log = deps.logger;
  const cache = createDerivationCache({ entries: 4_000, shared: store.shared === true });
  const chains = createChainTracker({
    terminalTypes: config.CHAIN_TERMINAL_TYPES,
    finalTypes: config.CHAIN_FINAL_TYPES,
    catalog: deps.catalog,
    now,
  });
  // On a store file the search worker derives sagas (store/sqlite/sagas-apart.ts).
  const sagas = store.sagasDerivedApart
    ? undefined
    : createSagaTracker({
        catalog: deps.catalog,
        now,
        stuckGraceMs: config.SAGA_STUCK_GRACE_MS,
        // Its own frontier, and on a shared store every other collector's too.
        judgedThrough: () =>
          judgedThrough(now(), deps.frontier?.through() ?? Infinity, store.frontiers?.through() ?? Infinity),
      });
  const through = (chunks: readonly LandedChunk[]) => {
    if (!deps.frontier) return;
    const passed: Passed[] = [];
    for (const c of chunks) {
      passed.push(...deps.frontier.leave(c.topic, c.partition, c.lastOffset));
      deps.frontier.left(c.count);
    }
    if (passed.length) deps.onPassed?.(passed);
  };
  const derive = createDeriver({
    chains,
    sagas,
    lateThresholdMs: config.LATE_EVENT_THRESHOLD_MS,
    now,
    logger: log,
  });
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

  const decoder = createChunkDecoder({ maxBatchBytes: config.COLLECTOR_MAX_BATCH_BYTES, logger: log });

  const setAside = createQuarantine({ decoder, derive, write, config, now, onIndexed: deps.onIndexed, log });
  async function quarantine(chunk: LandedChunk, reason: string): Promise<void> {
    deps.ahead?.clear();
    await setAside(chunk, reason);
    through([chunk]);
    readAhead = [];
  }

  /** Indexing attempts that failed, for the chunk that began the failed transaction. */
  let failing: { seq: number; attempts: number } | undefined;

  /**
   * After a failed indexing transaction: the next ones take one chunk each, so the chunk that
   * fails is known; one that failed alone MAX_INDEX_ATTEMPTS times is set aside. True when it was.
   */
  async function afterIndexFailure(err: unknown): Promise<boolean> {
    deps.ahead?.clear();
    const first = readAhead[0];
    if (!first) return false;
    const attempts = failing?.seq === first.seq ? failing.attempts + 1 : 1;
    failing = { seq: first.seq, attempts };
    if (readAhead.length > 1) {
      readAhead = [];
      cautious = Math.max(cautious, first.count);
      return false;
    }
    if (attempts < MAX_INDEX_ATTEMPTS) return false;
    const message = err instanceof Error ? err.message : String(err);
    await quarantine(first, `indexing failed ${attempts} times (${message.slice(0, 200)})`);
    failing = undefined;
    return true;
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
    const crashes = deps.suspects?.get(chunks[0]!.seq) ?? 0;
    if (crashes >= MAX_WORKER_CRASHES && chunks.length === 1) {
      await quarantine(chunks[0]!, `the indexer crashed ${crashes} times on it`);
      return true;
    }
    deps.onIndexing?.(chunks[0]!.seq);
    const at = now();
    const decoded: (readonly DecodedRecord[])[] = [];
    const opts = decodeOptionsOf(config, at);
    const decodedAt = (i: number) =>
      (decoded[i] ??= deps.ahead?.take(chunks[i]!, at) ?? decoder.decode(chunks[i]!, opts));
    const t0 = performance.now();
    const run = (safe: boolean, upTo: number) =>
      write(async (tx) => {
        const effects: (RecordEffects | undefined)[][] = [];
        const yieldMs = deps.yieldEveryMs?.();
        let yielded = t0;
        for (let i = 0; i < upTo; i++) {
          if (!safe && i > 0 && performance.now() - t0 > budgetMs) break;
          const out: (RecordEffects | undefined)[] = [];
          for (const d of decodedAt(i)) {
            if (yieldMs !== undefined && performance.now() - yielded > yieldMs) {
              await new Promise<void>((r) => setImmediate(r));
              yielded = performance.now();
            }
            out.push(await derive(tx, d, safe));
          }
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
    through(chunks.slice(0, effects.length));
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

  return { indexChunk, afterIndexFailure, write, sagas, cache };
}
