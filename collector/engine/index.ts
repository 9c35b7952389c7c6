import { Worker } from 'node:worker_threads';
import type { Span } from '../../lib/api/chains.ts';
import type { RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';
import type { SagaDefinition } from '../sagas/definitions.ts';
import { createSagaCatalog } from '../sagas/definitions.ts';
import type { Store } from '../store/types.ts';
import { createEngineCore, type BatchOutcome, type EngineConfig, type MaintenanceResult } from './core.ts';
import { packBatch, type Reply, type Request, type WorkerInit } from './protocol.ts';

// The ingest engine as the rest of the collector sees it. Two homes, one code (core.ts):
//  - a worker thread with its own connection to the SQLite file, the default for a file store:
//    decoding, deriving and writing run on the second core while the main thread fetches from
//    Kafka, serves the API and pushes the tail;
//  - inline on the main thread, for a store handed in by the caller (in-memory stores in tests).

export type { BatchOutcome, MaintenanceResult } from './core.ts';

export interface IngestEngine {
  readonly kind: 'worker' | 'inline';
  /** Settles once the batch is committed to the store. */
  ingest(batch: RecordBatch, wantSummaries: boolean): Promise<BatchOutcome>;
  storeSpans(spans: readonly Span[]): Promise<number>;
  maintain(opts: { olderThan: number; maxRecords: number; maxDeletes: number }): Promise<MaintenanceResult>;
  /** Records handed over and not yet committed. */
  backlog(): number;
  close(): Promise<void>;
}

export function createInlineEngine(deps: {
  store: Store;
  config: EngineConfig;
  sagaDefinitions: readonly SagaDefinition[];
  logger: Logger;
  now: () => number;
}): IngestEngine {
  const core = createEngineCore({ ...deps, catalog: createSagaCatalog(deps.sagaDefinitions) });
  let backlog = 0;
  return {
    kind: 'inline',
    async ingest(batch, tail) {
      backlog += batch.records.length;
      try {
        return await core.ingest(batch, tail);
      } finally {
        backlog -= batch.records.length;
      }
    },
    storeSpans: (spans) => core.storeSpans(spans),
    maintain: (opts) => core.maintain(opts),
    backlog: () => backlog,
    close: () => Promise.resolve(),
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

export async function createWorkerEngine(init: WorkerInit, logger: Logger): Promise<IngestEngine> {
  // A small young generation: the worker allocates a few short-lived objects per record, and V8
  // would otherwise keep hundreds of MB of them between scavenges (measured: 1.06 GB -> 0.79 GB
  // RSS over 50k records with the main thread at --max-semi-space-size=4, same throughput).
  const worker = new Worker(new URL('./engine-worker.ts', import.meta.url), {
    workerData: init,
    resourceLimits: { maxYoungGenerationSizeMb: 16 },
  });
  const waiting = new Map<number, { resolve: (v: unknown) => void; reject: (e: unknown) => void }>();
  let nextId = 1;
  let backlog = 0;
  let failed: Error | undefined;
  let onReady: () => void = () => undefined;
  let onFail: (err: Error) => void = () => undefined;
  const ready = new Promise<void>((resolve, reject) => {
    onReady = resolve;
    onFail = reject;
  });

  const failAll = (err: Error) => {
    failed = err;
    onFail(err);
    for (const w of waiting.values()) w.reject(err);
    waiting.clear();
  };
  worker.on('message', (m: Reply) => {
    if ('ready' in m) return onReady();
    const w = waiting.get(m.id);
    if (!w) return;
    waiting.delete(m.id);
    if (m.ok) w.resolve(m.result);
    else w.reject(new WorkerError(m.error));
  });
  worker.on('error', (err: unknown) => {
    logger.error({ err }, 'the ingest worker failed');
    failAll(err instanceof Error ? err : new Error(String(err)));
  });
  worker.on('exit', (code) => {
    if (!failed) failAll(new Error(`the ingest worker exited (code ${code})`));
  });

  const call = <T>(req: WithoutId<Request>, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (failed) return Promise.reject(failed);
    const id = nextId++;
    return new Promise<T>((resolve, reject) => {
      waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ ...req, id }, transfer);
    });
  };

  await ready;
  return {
    kind: 'worker',
    async ingest(batch, tail) {
      backlog += batch.records.length;
      try {
        const packed = packBatch(batch);
        return await call<BatchOutcome>({ op: 'ingest', batch: packed, tail }, [packed.bytes]);
      } finally {
        backlog -= batch.records.length;
      }
    },
    storeSpans: (spans) => call<number>({ op: 'spans', spans }),
    maintain: (opts) => call<MaintenanceResult>({ op: 'maintain', opts }),
    backlog: () => backlog,
    async close() {
      if (failed) return;
      await call({ op: 'close' }).catch(() => undefined);
      await worker.terminate();
    },
  };
}
