import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../lib/logger.ts';
import { createSagaCatalog } from '../sagas/definitions.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { createEngineCore } from './core.ts';
import { THROUGH_REPORT_MS, type Reply, type Request, type WorkerInit } from './protocol.ts';

// The ingest worker: owns the write connection to the store and the derivation cache. Main sends
// fetched batches and spans; each reply goes back once its transaction has committed, and what
// indexing stores is reported unasked.

const init = workerData as WorkerInit;
/** After a crash (an out-of-memory on some record, say): this many records one per transaction. */
const CAUTIOUS_RECORDS = 2000;
/** While the live tail is watched, how long an indexing transaction runs before it lets arriving batches in. */
const TAIL_YIELD_MS = 5;
const port = parentPort!;
const logger = createLogger({ name: 'collector', level: init.logLevel });
// 32 MB of page cache: at a million records 64 MB indexed 3,545 vs 3,378 records/s (within the
// noise of this machine) for ~50 MB more RSS.
// The search index is written by its own worker (search.ts), so this connection leaves it alone.
const store = createSqliteStore({ path: init.dbPath, cacheMb: 32, attachSearch: false });
const reply = (m: Reply) => port.postMessage(m);
const core = createEngineCore({
  store,
  config: init.config,
  catalog: createSagaCatalog(init.sagaDefinitions),
  logger,
  now: Date.now,
  onIndexed: (outcomes) => reply({ id: 0, indexed: outcomes }),
  // With how far it is through then: main passes both on to the search worker at once.
  onPassed: (passed) => reply({ id: 0, passed, indexedThrough: core.indexedThrough() }),
  cautiousRecords: init.afterCrash ? CAUTIOUS_RECORDS : 0,
  suspects: new Map(init.suspects ?? []),
  onIndexing: (seq) => reply({ id: 0, indexing: seq }),
  onTail: (records) => reply({ id: 0, tail: records }),
  // Arriving batches reach the live tail within this, not after an indexing transaction's COMMIT.
  yieldEveryMs: TAIL_YIELD_MS,
});

function handle(req: Request): Promise<unknown> {
  switch (req.op) {
    case 'land':
      return core.land(req.batch, req.tailAfter);
    case 'spans':
      return core.storeSpans(req.spans);
    case 'maintain':
      return core.maintain(req.opts);
    case 'close':
      return core.stop().then(() => store.close());
  }
}

port.on('message', (req: Request) => {
  handle(req).then(
    (result) => {
      reply({ id: req.id, ok: true, result });
      if (req.op === 'close') port.close();
    },
    (err: unknown) => {
      const e = err instanceof Error ? err : new Error(String(err));
      reply({ id: req.id, ok: false, error: { name: e.name, message: e.message, stack: e.stack } });
    },
  );
});
setInterval(() => reply({ id: 0, indexedThrough: core.indexedThrough() }), THROUGH_REPORT_MS).unref();
// Where the worker's memory goes, for diagnosis (LOG_LEVEL=debug).
if (logger.isLevelEnabled('debug'))
  setInterval(() => logger.debug({ memory: process.memoryUsage() }, 'ingest worker memory'), 10_000).unref();
reply({ id: 0, ready: true });
