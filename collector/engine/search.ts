import { Worker } from 'node:worker_threads';
import type { Logger } from '../../lib/logger.ts';
import type { SagaTransition } from '../sagas/tracker.ts';
import type { SearchWorkerInit, SearchWorkerMessage } from './search-worker.ts';

// The search worker (search-worker.ts) as the collector sees it: started for a store file, told
// when records were indexed, restarted a second after it dies (its progress is in the search
// file, so nothing is lost or indexed twice), stopped with the collector. The saga transitions it
// commits (derived or swept STUCK) go to `onSagaTransitions`, for the metrics.

export interface SearchIndexer {
  /** Records were indexed: the worker looks for them now rather than at its next idle round. */
  nudge(): void;
  close(): Promise<void>;
}

export function startSearchIndexer(
  init: SearchWorkerInit,
  logger: Logger,
  onSagaTransitions: (transitions: readonly SagaTransition[]) => void,
): SearchIndexer {
  let closing = false;
  let worker: Worker | undefined;
  let closed: Promise<void> = Promise.resolve();

  function spawn() {
    const w = new Worker(new URL('./search-worker.ts', import.meta.url), {
      workerData: init satisfies SearchWorkerInit,
      // The saga cache takes ~30 MB at most (engine/cache.ts).
      resourceLimits: { maxYoungGenerationSizeMb: 8, maxOldGenerationSizeMb: 128 },
    });
    worker = w;
    w.on('message', (m: SearchWorkerMessage) => {
      if ('sagaTransitions' in m && m.sagaTransitions.length) onSagaTransitions(m.sagaTransitions);
    });
    closed = new Promise<void>((resolve) => {
      w.on('error', (err) => logger.error({ err }, 'the search worker failed'));
      w.on('exit', () => {
        worker = undefined;
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
      worker?.postMessage('nudge');
    },
    async close() {
      closing = true;
      worker?.postMessage('close');
      await closed;
    },
  };
}
