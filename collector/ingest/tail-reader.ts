import type { Bus, BusTail, RecordBatch } from '../../lib/bus/types.ts';
import type { Logger } from '../../lib/logger.ts';

// Several collectors on one shared store split the partitions between them, so the group
// consumer's fetches show each only its share. There the live tail is fed by a reader of every
// partition outside the group (Bus `tail`: from the latest offsets, nothing committed), run only
// while someone watches: started when the first client subscribes, stopped `idleMs` after the last
// one left, so a page reload does not cost a new join. Its batches go through the same tail feed
// (tail-feed.ts: decoding, and per partition only offsets past the last one shown).

export interface TailReader {
  /** The hub's news: someone subscribed (true), or the last subscriber stopped or left (false). */
  watching(on: boolean): void;
  /** Whether a reader is started (for tests and health). */
  running(): boolean;
  stop(): Promise<void>;
}

export function createTailReader(deps: {
  bus: Pick<Bus, 'tail'>;
  topicPattern: RegExp;
  /** Names the reader on the broker (the collector's group id: `<group>-tail-<random>`). */
  name: string;
  offer: (batch: RecordBatch) => void;
  logger: Logger;
  idleMs?: number;
  retryMs?: number;
}): TailReader {
  const log = deps.logger.child({ component: 'tail-reader' });
  const idleMs = deps.idleMs ?? 30_000;
  const retryMs = deps.retryMs ?? 5000;
  let reader: BusTail | undefined;
  let wanted = false;
  let closed = false;
  let idle: NodeJS.Timeout | undefined;
  let retry: NodeJS.Timeout | undefined;
  // Starts and stops run one at a time, in the order they were asked for.
  let queue: Promise<void> = Promise.resolve();
  const enqueue = (step: () => Promise<void>) => {
    queue = queue.then(step).catch((err: unknown) => log.warn({ err }, 'tail reader step failed'));
    return queue;
  };

  async function ensure() {
    if (!wanted || closed || reader) return;
    const r = deps.bus.tail({
      topicPattern: deps.topicPattern,
      name: deps.name,
      // Decoded by the tail feed with Causeway's own record-batch reader (every codec, bounded).
      rawBatches: true,
      clientId: 'causeway-collector-tail',
      topicRefreshMs: 2000,
    });
    reader = r;
    try {
      await r.run(deps.offer);
      log.info('tail reader running: every partition, from the latest offsets');
    } catch (err) {
      reader = undefined;
      await r.stop().catch(() => undefined);
      log.warn({ err, retryMs }, 'could not start the tail reader; retrying');
      if (wanted && !closed) {
        retry = setTimeout(() => void enqueue(ensure), retryMs);
        retry.unref();
      }
    }
  }

  async function release() {
    if (wanted && !closed) return;
    const r = reader;
    reader = undefined;
    if (!r) return;
    await r.stop();
    log.info('tail reader stopped: nobody watches');
  }

  return {
    watching(on) {
      wanted = on;
      clearTimeout(idle);
      if (on) {
        void enqueue(ensure);
        return;
      }
      idle = setTimeout(() => void enqueue(release), idleMs);
      idle.unref();
    },
    running: () => reader !== undefined,
    async stop() {
      closed = true;
      wanted = false;
      clearTimeout(idle);
      clearTimeout(retry);
      await enqueue(release);
    },
  };
}
