import { Worker } from 'node:worker_threads';
import type { Span } from '../../lib/api/chains.ts';
import type { RecordSummary } from '../../lib/api/records.ts';
import type { RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SagaDefinition } from '../sagas/definitions.ts';
import { createSagaCatalog } from '../sagas/definitions.ts';
import type { Store } from '../store/types.ts';
import { createEngineCore, type BatchOutcome, type EngineConfig, type MaintenanceResult } from './core.ts';
import type { Passed } from './frontier.ts';
import { packBatches, type PackedBatch, type Reply, type Request, type WorkerInit } from './protocol.ts';

// The ingest engine as the rest of the collector sees it. Two homes, one code (core.ts):
//  - a worker thread with its own connection to the SQLite file, the default for a file store:
//    decoding (the live tail's too), deriving and writing run on the second core while the main
//    thread fetches from Kafka, serves the API and publishes the tail's records;
//  - inline on the main thread, for a store handed in by the caller (in-memory stores in tests).

export type { BatchOutcome, MaintenanceResult } from './core.ts';

/** What the engine reports unasked: records indexed (for the metrics). */
export interface EngineEvents {
  onIndexed(outcomes: BatchOutcome[]): void;
  /** Indexing waits while the consumer catches up; `waiting` landed rows are not indexed yet. Inline engine only. */
  onIndexingDeferred?(waiting: number): void;
  /** Landed batches indexed or set aside (frontier.ts): the search worker's to hold until read. */
  onPassed?(passed: Passed[]): void;
  /** Arriving records for the live tail, those `land` was asked to show (decoded once: core.ts). */
  onTail?(records: RecordSummary[]): void;
}

export interface IngestEngine {
  /**
   * Settles once the batch is landed: durable in the store, its offsets safe to commit; with how
   * many of its records were redeliveries. They are indexed after that and reported to `onIndexed`.
   * With `tailAfter`, its records past that offset go to the live tail (`onTail`) as it arrives.
   */
  land(batch: RecordBatch, tailAfter?: number): Promise<number>;
  storeSpans(spans: readonly Span[]): Promise<number>;
  maintain(opts: { olderThan: number; maxRecords: number; maxDeletes: number }): Promise<MaintenanceResult>;
  /** Records handed over and not yet landed. */
  backlog(): number;
  /**
   * The event time before which every record handed over is indexed and every partition read is
   * fetched, as last known (core.ts `indexedThrough`; -Infinity before a worker first says).
   */
  indexedThrough(): number;
  close(): Promise<void>;
}

/**
 * `land` and `backlog` of both engines: a batch is packed at once (its records are not referenced
 * past that, so they die young), its parts (packed records, raw Kafka batches) land through
 * `landOne`, and the records handed over and not yet landed are counted.
 */
function createLander(landOne: (p: PackedBatch, tailAfter: number | undefined) => Promise<number>) {
  let backlog = 0;
  return {
    land: async (batch: RecordBatch, tailAfter?: number): Promise<number> => {
      const packed = packBatches(batch);
      const count = packed.reduce((n, p) => n + p.count, 0);
      backlog += count;
      try {
        const duplicates = await Promise.all(packed.map((p) => landOne(p, tailAfter)));
        return duplicates.reduce((a, b) => a + b, 0);
      } finally {
        backlog -= count;
      }
    },
    backlog: () => backlog,
  };
}

export function createInlineEngine(deps: {
  store: Store;
  config: EngineConfig;
  sagaDefinitions: readonly SagaDefinition[];
  logger: Logger;
  now: () => number;
  events: EngineEvents;
}): IngestEngine {
  const core = createEngineCore({
    ...deps,
    catalog: createSagaCatalog(deps.sagaDefinitions),
    onIndexed: (o) => deps.events.onIndexed(o),
    onIndexingDeferred: (waiting) => deps.events.onIndexingDeferred?.(waiting),
    onPassed: (passed) => deps.events.onPassed?.(passed),
    onTail: (records) => deps.events.onTail?.(records),
  });
  // Packed as for the worker: one landing path, and the same bytes in the landing table.
  const lander = createLander((p, tailAfter) => core.land(p, tailAfter));
  return {
    land: lander.land,
    storeSpans: (spans) => core.storeSpans(spans),
    maintain: (opts) => core.maintain(opts),
    backlog: lander.backlog,
    indexedThrough: () => core.indexedThrough(),
    close: () => core.stop(),
  };
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

class WorkerError extends Error {
  constructor(e: { name: string; message: string; stack?: string }) {
    super(e.message);
    this.name = e.name;
    if (e.stack) this.stack = e.stack;
  }
}

/** The worker engine plus a test hook that kills the current worker as a crash would. */
export interface WorkerEngine extends IngestEngine {
  crashForTest(): Promise<void>;
}

/**
 * The engine on a worker thread. If the worker dies (an out-of-memory, a bug), the calls in flight
 * fail — their batches are read again, the store being idempotent — and a new worker starts after
 * a pause, so one crash never stops ingest for good.
 */
export async function createWorkerEngine(
  init: WorkerInit,
  logger: Logger,
  events: EngineEvents,
): Promise<WorkerEngine> {
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let closing = false;
  let current: Promise<Worker>;
  // The chunk each worker was indexing when it died, and how often: a chunk that kills the worker
  // again and again is set aside by the next one (core.ts), not retried forever.
  let indexing: number | undefined;
  const suspects = new Map<number, number>();
  let indexedThrough = -Infinity;

  const failWaiting = (err: Error) => {
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };

  function spawnWorker(afterCrash = false): Promise<Worker> {
    // A small young generation: the worker allocates a few short-lived objects per record, and V8
    // would otherwise keep hundreds of MB of them between scavenges (measured: 1.06 GB -> 0.79 GB
    // RSS over 50k records with the main thread at --max-semi-space-size=4, same throughput). An
    // old generation of 192 MB: V8 grew it to ~250 MB while indexing with ~110 MB live (caches,
    // one index read of at most 8 MB of records decoded); capped, the 1M ingest peaked at 410 MB
    // RSS instead of 510 MB. Should it still run out, the worker dies, landed records stay landed,
    // and the new worker indexes chunk by chunk for a while (`afterCrash`).
    const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), {
      workerData: { ...init, afterCrash, suspects: [...suspects] } satisfies WorkerInit,
      resourceLimits: { maxYoungGenerationSizeMb: 16, maxOldGenerationSizeMb: 192 },
    });
    let settled = false;
    return new Promise<Worker>((resolve, reject) => {
      const died = (err: Error) => {
        failWaiting(err);
        if (!settled) {
          settled = true;
          reject(err);
          return;
        }
        if (closing) return;
        if (indexing !== undefined) suspects.set(indexing, (suspects.get(indexing) ?? 0) + 1);
        indexing = undefined;
        indexedThrough = -Infinity;
        logger.error({ err }, 'the ingest worker died; starting a new one in 1 s');
        current = restart();
      };
      worker.on('message', (m: Reply) => {
        if ('ready' in m) {
          settled = true;
          resolve(worker);
          return;
        }
        if ('tail' in m) {
          events.onTail?.(m.tail);
          return;
        }
        if ('passed' in m) {
          indexedThrough = m.indexedThrough;
          events.onPassed?.(m.passed);
          return;
        }
        if ('indexed' in m) {
          indexing = undefined;
          events.onIndexed(m.indexed);
          return;
        }
        if ('indexing' in m) {
          indexing = m.indexing;
          return;
        }
        if ('indexedThrough' in m) {
          indexedThrough = m.indexedThrough;
          return;
        }
        const w = waiting.get(m.id);
        if (!w) return;
        waiting.delete(m.id);
        if (m.ok) w.resolve(m.result);
        else w.reject(new WorkerError(m.error));
      });
      let errored = false;
      worker.on('error', (err: unknown) => {
        errored = true;
        died(err instanceof Error ? err : new Error(String(err)));
      });
      worker.on('exit', (code) => {
        if (!errored) died(new Error(`the ingest worker exited (code ${code})`));
      });
    });
  }

  const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
  async function restart(): Promise<Worker> {
    for (let attempt = 1; ; attempt++) {
      await sleep(attempt === 1 ? 1000 : 5000);
      if (closing) throw new Error('the ingest engine is closing');
      try {
        return await spawnWorker(true);
      } catch (err) {
        logger.error({ err, attempt }, 'the ingest worker could not start; retrying in 5 s');
      }
    }
  }

  const call = async <T>(req: WithoutId<Request>, transfer: ArrayBuffer[] = []): Promise<T> => {
    const worker = await current;
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id }, transfer);
    });
  };

  current = spawnWorker();
  await current;
  const lander = createLander((p, tailAfter) => call<number>({ op: 'land', batch: p, tailAfter }, [p.bytes]));
  return {
    land: lander.land,
    storeSpans: (spans) => call<number>({ op: 'spans', spans }),
    maintain: (opts) => call<MaintenanceResult>({ op: 'maintain', opts }),
    backlog: lander.backlog,
    indexedThrough: () => indexedThrough,
    async crashForTest() {
      await (await current).terminate();
    },
    async close() {
      closing = true;
      const worker = await current.catch(() => undefined);
      if (!worker) return;
      await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
