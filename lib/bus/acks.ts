// Deferred acknowledgement, shared by both adapters. A handler that hands a batch on (to a worker
// thread, say) returns a receipt at once, so the adapter fetches the next batch while the first is
// still being stored: fetching and storing overlap instead of taking turns. Offsets are committed
// only once every batch before them on that partition is done, so a crash can only redeliver,
// never skip. A failed batch rewinds its partition to its first offset; batches after it that
// finish anyway are ignored (they come again, and the handler's writes are idempotent). Commits are
// coalesced: one call per interval for every partition that moved, not one round trip per batch.

export interface OffsetCommit {
  readonly topic: string;
  readonly partition: number;
  /** The offset of the next record to read. */
  readonly offset: number;
}

export interface AckTrackerOptions {
  readonly commit: (offsets: readonly OffsetCommit[]) => Promise<void>;
  /** Whether this member still owns the partition; offsets of partitions it lost are dropped. */
  readonly owns?: (topic: string, partition: number) => boolean;
  /** Read the partition again from `offset`. */
  readonly rewind: (topic: string, partition: number, offset: number) => void;
  readonly intervalMs?: number;
  readonly onError?: (err: unknown, what: string) => void;
}

interface Pending {
  readonly next: number;
  done: boolean;
}

interface PartitionTrack {
  readonly topic: string;
  readonly partition: number;
  /** Bumped by a rewind: completions of batches from before it no longer count. */
  generation: number;
  readonly queue: Pending[];
  /** Highest contiguous done offset not yet committed. */
  ready: number | null;
}

const RETRY_MS = 1000;

export function createAckTracker(opts: AckTrackerOptions) {
  const parts = new Map<string, PartitionTrack>();
  const inFlight = new Set<Promise<unknown>>();
  const interval = opts.intervalMs ?? 200;
  let timer: NodeJS.Timeout | undefined;
  let retryTimer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> = Promise.resolve();

  const trackOf = (topic: string, partition: number) => {
    const k = `${topic}\u0000${partition}`;
    let t = parts.get(k);
    if (!t) {
      t = { topic, partition, generation: 0, queue: [], ready: null };
      parts.set(k, t);
    }
    return t;
  };

  function schedule() {
    timer ??= setTimeout(() => {
      timer = undefined;
      void flush();
    }, interval);
  }

  function flush(): Promise<void> {
    flushing = flushing.then(async () => {
      const offsets: OffsetCommit[] = [];
      for (const t of parts.values())
        if (t.ready !== null) {
          if (!opts.owns || opts.owns(t.topic, t.partition))
            offsets.push({ topic: t.topic, partition: t.partition, offset: t.ready });
          t.ready = null;
        }
      if (!offsets.length) return;
      try {
        await opts.commit(offsets);
      } catch (err) {
        // The broker restarting, or a rebalance under way. Keep the offsets (unless a newer one
        // is waiting) and try again: a partition that receives nothing more would otherwise never
        // commit its last batches and show lag for ever. Partitions this member lost are dropped
        // on the next attempt; their new owner reads from the last commit.
        opts.onError?.(err, 'commit');
        for (const o of offsets) {
          const t = trackOf(o.topic, o.partition);
          if (t.ready === null || t.ready < o.offset) t.ready = o.offset;
        }
        retryTimer ??= setTimeout(() => {
          retryTimer = undefined;
          void flush();
        }, RETRY_MS);
      }
    });
    return flushing;
  }

  return {
    /** Registers a batch [first, next) whose receipt resolves when it is durably handled. */
    track(topic: string, partition: number, first: number, next: number, done: Promise<void>) {
      const t = trackOf(topic, partition);
      const gen = t.generation;
      const entry: Pending = { next, done: false };
      t.queue.push(entry);
      const settled = done.then(
        () => {
          if (t.generation !== gen) return;
          entry.done = true;
          // Monotonic: a batch redelivered after a rebalance must not move the commit back.
          while (t.queue[0]?.done) t.ready = Math.max(t.ready ?? 0, t.queue.shift()!.next);
          if (t.ready !== null) schedule();
        },
        (err: unknown) => {
          if (t.generation !== gen) return;
          opts.onError?.(err, `batch ${topic}:${partition}@${first}`);
          t.generation++;
          t.queue.length = 0;
          opts.rewind(topic, partition, first);
        },
      );
      inFlight.add(settled);
      void settled.then(() => inFlight.delete(settled));
    },
    /** Waits for every registered batch to settle, then commits what is done. */
    async drain(): Promise<void> {
      // Settled entries leave the set in a reaction queued before this await's, so the loop ends.
      while (inFlight.size) await Promise.allSettled([...inFlight]);
      if (timer) clearTimeout(timer);
      timer = undefined;
      await flush();
      // A failed final commit gets a few more tries before the member leaves; what still fails
      // is read again by the partition's next owner.
      for (let i = 0; i < 3 && [...parts.values()].some((t) => t.ready !== null); i++) {
        await new Promise((r) => setTimeout(r, RETRY_MS));
        await flush();
      }
      if (retryTimer) clearTimeout(retryTimer);
      retryTimer = undefined;
    },
  };
}
