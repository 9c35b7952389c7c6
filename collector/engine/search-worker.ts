import { parentPort, workerData } from 'node:worker_threads';
import { createLogger } from '../../lib/logger.ts';
import { createWakeablePause } from '../../lib/wakeable-pause.ts';
import { createSagaCatalog, type SagaDefinition } from '../sagas/definitions.ts';
import type { SagaTransition } from '../sagas/tracker.ts';
import { openSql } from '../store/sqlite/db.ts';
import {
  attachSearchIndex,
  catchUpSearchIndex,
  SEARCH_ROUND_RECORDS,
  searchPending,
  searchPendingPartitions,
} from '../store/sqlite/search-index.ts';
import { createFrontier, judgedThrough, type Passed } from './frontier.ts';
import { createSearchSagas } from './search-sagas.ts';

// The search worker: fills a store file's text-search index and derives its sagas from its
// records (store/sqlite/search-index.ts and sagas-apart.ts say what and why), on a thread and
// connection of its own. Runs a round whenever the parent says records were indexed, and every
// IDLE_MS anyway; exits on 'close' after the round in progress. Between rounds it marks sagas
// STUCK whose deadline passed (as far as every record before it is derived: frontier.ts) and
// removes old ones (every `maintenanceMs`), and checkpoints the main file's WAL (PASSIVE: never
// blocking the writer), so that the ingest worker's own checkpoints find little to do
// (`checkpoint` below).

export interface SearchWorkerInit {
  readonly dbPath: string;
  readonly logLevel: string;
  readonly sagas: {
    readonly definitions: readonly SagaDefinition[];
    readonly stuckGraceMs: number;
    /** Sagas not updated for this long are removed (the store's retention by age). */
    readonly retentionMs: number;
    /** How often the STUCK sweep and saga retention run. */
    readonly maintenanceMs: number;
  };
}

/** What the worker reports: records indexed, saga transitions committed, how far sagas are derived. */
export type SearchWorkerMessage =
  | { readonly ready: true }
  | { readonly closed: true }
  | { readonly searchIndexed: number; readonly sagaTransitions: readonly SagaTransition[] }
  | { readonly derivedThrough: number };

/**
 * What the worker is told: records were indexed ('nudge'), stop ('close'), or the ingest engine's
 * `indexedThrough` (engine/core.ts) with the landed batches it just indexed (frontier.ts).
 */
export type SearchWorkerRequest =
  'nudge' | 'close' | { readonly indexedThrough: number; readonly entered?: readonly Passed[] };

/** A round without a nudge (a nudge can race a round that just found nothing). */
const IDLE_MS = 250;
/** How often the main file's WAL is checkpointed. */
const CHECKPOINT_MS = 1000;
/** After a failed round (the search file's lock held by a reader's write transaction, say). */
const RETRY_MS = 200;
/** Sagas removed by age per maintenance step at most (as the store's retention). */
const MAX_SAGA_DELETES = 5000;

const init = workerData as SearchWorkerInit;
const port = parentPort!;
const logger = createLogger({ name: 'collector', level: init.logLevel }).child({ component: 'search' });
// A small page cache for the main file: a round reads the newest records once, in seq order.
const sql = openSql(init.dbPath, { cacheMb: 4 });
attachSearchIndex(sql, init.dbPath);
// Deadlines are judged up to where both stages are through: the ingest engine (as it last said)
// and this worker, whose frontier holds the runs indexed and not yet read here. What the search
// file had not caught up with at start holds deadlines back from each partition's oldest record
// until read.
const frontier = createFrontier();
try {
  for (const p of searchPendingPartitions(sql)) frontier.enter(p.topic, p.partition, p.lastOffset, p.oldest);
} catch (err) {
  logger.warn(
    { err },
    'could not read when the records waiting for search were written; judging no deadline until read',
  );
  frontier.unknownAhead(searchPending(sql));
}
let indexedThrough = -Infinity;
const derivedThrough = () => Math.min(indexedThrough, frontier.through());
const sagas = createSearchSagas(sql, {
  catalog: createSagaCatalog(init.sagas.definitions),
  stuckGraceMs: init.sagas.stuckGraceMs,
  now: Date.now,
  judgedThrough: () => judgedThrough(Date.now(), derivedThrough()),
  logger,
});
const report = (m: SearchWorkerMessage) => port.postMessage(m);

let closing = false;
/** Records were indexed since the last round began: the next one goes at once. */
let nudged = false;
/** The wait between rounds, which a nudge or a close ends at once. */
const idle = createWakeablePause();
port.on('message', (m: SearchWorkerRequest) => {
  if (typeof m === 'object') {
    indexedThrough = m.indexedThrough;
    for (const [topic, partition, lastOffset, holdTs] of m.entered ?? [])
      frontier.enter(topic, partition, lastOffset, holdTs);
    return;
  }
  if (m === 'close') closing = true;
  nudged = true;
  idle.wake();
});
const passed = (topic: string, partition: number, offset: number) => frontier.leave(topic, partition, offset);

let checkpointedAt = 0;
/**
 * Copies what the main file's WAL holds into the file (PASSIVE: beside the writer, never blocking
 * it), so the copying and its fsync happen on this thread. The ingest worker's own checkpoints
 * (every 64 MB of WAL, db.ts) then find little left to copy and nothing left to sync: its
 * COMMITs were waiting on them (200k records: 4,687/s → 5,165/s fully indexed).
 */
function checkpoint() {
  if (Date.now() - checkpointedAt < CHECKPOINT_MS) return;
  checkpointedAt = Date.now();
  try {
    sql.get('PRAGMA main.wal_checkpoint(PASSIVE)');
  } catch (err) {
    logger.warn({ err }, 'checkpointing the store file failed; retrying');
  }
}

let maintainedAt = Date.now();
/** The STUCK sweep and the sagas' retention by age, every `maintenanceMs`. */
async function maintainSagas() {
  if (Date.now() - maintainedAt < init.sagas.maintenanceMs) return;
  maintainedAt = Date.now();
  try {
    const stuck = await sagas.sweep();
    if (stuck) logger.info({ count: stuck }, 'sagas passed their deadline: STUCK');
    await sagas.retain(Date.now() - init.sagas.retentionMs, MAX_SAGA_DELETES);
  } catch (err) {
    logger.warn({ err }, 'the saga sweep or retention failed; retrying');
  }
  const sagaTransitions = sagas.take();
  if (sagaTransitions.length) report({ searchIndexed: 0, sagaTransitions });
}

async function run(): Promise<void> {
  while (!closing) {
    checkpoint();
    await maintainSagas();
    let n: number;
    nudged = false;
    try {
      n = await catchUpSearchIndex(sql, SEARCH_ROUND_RECORDS, sagas.round, passed);
      frontier.left(n);
      report({ derivedThrough: derivedThrough() });
      sagas.settle();
      const sagaTransitions = sagas.take();
      if (n || sagaTransitions.length) report({ searchIndexed: n, sagaTransitions });
    } catch (err) {
      logger.warn({ err }, 'a search-index round failed; retrying');
      await idle.pause(RETRY_MS);
      continue;
    }
    // A full round means more wait: go on at once, yielding to messages in between.
    await (n === SEARCH_ROUND_RECORDS || nudged ? new Promise((r) => setImmediate(r)) : idle.pause(IDLE_MS));
  }
  sql.db.close();
  report({ closed: true });
  port.close();
}

report({ ready: true });
void run();
