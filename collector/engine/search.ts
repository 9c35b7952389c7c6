import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.ts';
import type { SagaTransition } from '../sagas/tracker.ts';
import type { Passed } from './frontier.ts';
import { THROUGH_REPORT_MS } from './protocol.ts';
import type { SearchWorkerInit, SearchWorkerMessage, SearchWorkerRequest } from './search-worker.ts';

// The search worker (search-worker.ts) as the collector sees it: started for a store file, told
// when records were indexed, restarted a second after it dies (its progress is in the search
// file, so nothing is lost or indexed twice), stopped with the collector. The saga transitions it
// commits (derived or swept STUCK) go to `onSagaTransitions`, for the metrics. It is told how far
// the ingest engine is through (frontier.ts) and what the engine indexed, and says how far sagas
// are derived (`derivedThrough`, for /api/health and the metrics).

export interface SearchIndexer {
  /** Records were indexed: the worker looks for them now rather than at its next idle round. */
  nudge(): void;
  /** Landed batches the engine indexed (frontier.ts): the worker holds deadlines back until it read them. */
  enter(passed: readonly Passed[]): void;
  /** The event time before which sagas are derived from every record (frontier.ts), as it last said. */
  derivedThrough(): number;
  /** Rounds the worker finished (each after its STUCK sweep was due), for tests to wait on. */
  roundsReported(): number;
  close(): Promise<void>;
}

export function startSearchIndexer(
  init: SearchWorkerInit,
  logger: Logger,
  onSagaTransitions: (transitions: readonly SagaTransition[]) => void,
  /** The ingest engine's `indexedThrough`: told to the worker with each nudge and every 250 ms. */
  indexedThrough: () => number,
): SearchIndexer {
  let closing = false;
  let worker: Worker | undefined;
  let closed: Promise<void> = Promise.resolve();
  let derivedThrough = -Infinity;
  let rounds = 0;
  const tell = (m: SearchWorkerRequest) => worker?.postMessage(m);
  const ticker = setInterval(() => tell({ indexedThrough: indexedThrough() }), THROUGH_REPORT_MS);
  ticker.unref();

  function spawn() {
    const w = new Worker(new URL('./search-worker.ts', import.meta.url), {
      workerData: init satisfies SearchWorkerInit,
      // The saga cache takes ~30 MB at most (engine/cache.ts).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
    });
    worker = w;
    derivedThrough = -Infinity;
    w.on('message', (m: SearchWorkerMessage) => {
      if ('derivedThrough' in m) {
        derivedThrough = m.derivedThrough;
        rounds++;
      } else if ('sagaTransitions' in m && m.sagaTransitions.length) onSagaTransitions(m.sagaTransitions);
    });
    closed = new Promise<void>((resolve) => {
      w.on('error', (err) => logger.error({ err }, 'the search worker failed'));
      w.on('exit', () => {
        worker = undefined;
        derivedThrough = -Infinity;
        resolve();
        if (closing) return;
        logger.error('the search worker exited; starting a new one in 1 s');
        setTimeout(() => {
          if (!closing) spawn();
        }, 1000).unref();
      });
    });
  }

  spawn();
  return {
    nudge() {
      tell('nudge');
    },
    enter(passed) {
      tell({ indexedThrough: indexedThrough(), entered: passed });
    },
    derivedThrough: () => derivedThrough,
    roundsReported: () => rounds,
    async close() {
      closing = true;
      clearInterval(ticker);
      tell('close');
      await closed;
    },
  };
}
