import type { RecordSummary } from '../../../lib/api/records.ts';

// The live tail's memory, outside React so thousands of records per second do not mean thousands
// of renders: records are appended here and React is told at most once per frame. Bounded twice:
// `capacity` rows on screen (oldest leave first) and `holdCapacity` rows held while paused. Every
// record that leaves is counted, so the "dropped" numbers on screen are true.

export interface TailRow {
  /** Position in the stream since the last clear; stable React key and selection handle. */
  readonly seq: number;
  readonly record: RecordSummary;
}

export interface TailCounts {
  /** Records received from the collector since the last clear. */
  readonly received: number;
  /** Rows currently in the list. */
  readonly shown: number;
  /** Held while paused, shown on resume. */
  readonly held: number;
  /** Left the list because it is full (oldest first). Still in the collector's store. */
  readonly evicted: number;
  /** The collector dropped these for this connection (our `dropped` frames): never received. */
  readonly droppedByServer: number;
  /** Arrived while paused after the hold buffer was full: never shown. */
  readonly droppedWhilePaused: number;
}

export interface TailSnapshot {
  readonly rows: readonly TailRow[];
  readonly paused: boolean;
  readonly counts: TailCounts;
  /** seq of rows[0], so a list can keep its viewport still when rows leave the top. */
  readonly firstSeq: number;
}

export interface TailBufferOptions {
  readonly capacity: number;
  readonly holdCapacity: number;
  /** Coalesces change notifications (requestAnimationFrame in the browser). */
  readonly schedule?: (fn: () => void) => void;
}

export function createTailBuffer({ capacity, holdCapacity, schedule = (fn) => fn() }: TailBufferOptions) {
  let rows: TailRow[] = [];
  let held: RecordSummary[] = [];
  let paused = false;
  let nextSeq = 0;
  let received = 0;
  let evicted = 0;
  let droppedByServer = 0;
  let droppedWhilePaused = 0;
  let snapshot: TailSnapshot | null = null;
  let scheduled = false;
  const listeners = new Set<() => void>();

  const notify = () => {
    snapshot = null;
    if (scheduled) return;
    scheduled = true;
    schedule(() => {
      scheduled = false;
      listeners.forEach((l) => l());
    });
  };

  const append = (records: readonly RecordSummary[]) => {
    if (records.length === 0) return;
    // Only the newest `capacity` can survive; skip building rows for the rest.
    const skip = Math.max(0, records.length - capacity);
    if (skip > 0) {
      evicted += skip;
      nextSeq += skip;
    }
    const added = records.slice(skip).map((record) => ({ seq: nextSeq++, record }));
    const merged = rows.concat(added);
    const excess = merged.length - capacity;
    if (excess > 0) {
      evicted += excess;
      rows = merged.slice(excess);
    } else rows = merged;
  };

  return {
    push: (records: readonly RecordSummary[]): void => {
      if (records.length === 0) return;
      received += records.length;
      if (paused) {
        held = held.concat(records);
        const over = held.length - holdCapacity;
        if (over > 0) {
          droppedWhilePaused += over;
          held = held.slice(over);
        }
      } else append(records);
      notify();
    },
    noteServerDropped: (count: number): void => {
      if (count <= 0) return;
      droppedByServer += count;
      notify();
    },
    pause: (): void => {
      if (paused) return;
      paused = true;
      notify();
    },
    resume: (): void => {
      if (!paused) return;
      paused = false;
      const pending = held;
      held = [];
      append(pending);
      notify();
    },
    clear: (): void => {
      rows = [];
      held = [];
      nextSeq = 0;
      received = evicted = droppedByServer = droppedWhilePaused = 0;
      notify();
    },
    getSnapshot: (): TailSnapshot => {
      snapshot ??= {
        rows,
        paused,
        firstSeq: rows[0]?.seq ?? nextSeq,
        counts: {
          received,
          shown: rows.length,
          held: held.length,
          evicted,
          droppedByServer,
          droppedWhilePaused,
        },
      };
      return snapshot;
    },
    subscribe: (listener: () => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
export type TailBuffer = ReturnType<typeof createTailBuffer>;
