import type { RecordSummary } from '../../../lib/api/records.ts';
import { createRing } from './ring.ts';

// The live tail's memory, outside React so thousands of records per second do not mean thousands
// of renders. Records are appended to rings (no copying per frame) and React sees a new immutable
// snapshot at most once per animation frame, and while records keep streaming no more often than
// `minIntervalMs`: at 5,000 records/s the list cannot be read row by row anyway, and every commit
// rebuilds the rows on screen. Pause, resume and clear are published on the next frame. Bounded
// twice: `capacity` rows on screen (oldest leave first) and `holdCapacity` rows held while paused.
// Every record that leaves is counted, so the "dropped" numbers on screen are true.

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
  /** Runs a publish before the next paint (requestAnimationFrame in the browser); sync by default. */
  readonly schedule?: (fn: () => void) => void;
  /** Least time between two publishes caused by arriving records (0: every frame). */
  readonly minIntervalMs?: number;
  readonly now?: () => number;
  readonly delay?: (fn: () => void, ms: number) => void;
}

const zeroTally = () => ({ received: 0, evicted: 0, droppedByServer: 0, droppedWhilePaused: 0 });

export function createTailBuffer({
  capacity,
  holdCapacity,
  schedule = (fn) => fn(),
  minIntervalMs = 0,
  now = () => performance.now(),
  delay = (fn, ms) => void setTimeout(fn, ms),
}: TailBufferOptions) {
  const rows = createRing<TailRow>(capacity);
  const held = createRing<RecordSummary>(holdCapacity);
  let paused = false;
  let nextSeq = 0;
  const tally = zeroTally();
  let snapshot: TailSnapshot = {
    rows: [],
    paused,
    firstSeq: 0,
    counts: { ...tally, shown: 0, held: 0 },
  };
  let rowsChanged = false;
  let pending: 'none' | 'waiting' | 'frame' = 'none';
  let lastPublish = -Infinity;
  const listeners = new Set<() => void>();

  const publish = () => {
    pending = 'none';
    lastPublish = now();
    const list = rowsChanged ? rows.toArray() : snapshot.rows;
    rowsChanged = false;
    snapshot = {
      rows: list,
      paused,
      firstSeq: list[0]?.seq ?? nextSeq,
      counts: { ...tally, shown: list.length, held: held.length },
    };
    listeners.forEach((l) => l());
  };
  const onFrame = () => {
    pending = 'frame';
    schedule(publish);
  };
  /** `urgent`: a user's action, shown on the next frame whatever the record rate. */
  const requestPublish = (urgent: boolean) => {
    if (pending === 'frame') return;
    const wait = urgent ? 0 : lastPublish + minIntervalMs - now();
    if (wait <= 0) onFrame();
    else if (pending === 'none') {
      pending = 'waiting';
      delay(() => {
        if (pending === 'waiting') onFrame();
      }, wait);
    }
  };

  const append = (records: readonly RecordSummary[]) => {
    if (records.length === 0) return;
    // Only the newest `capacity` can survive; skip building rows for the rest.
    const skip = Math.max(0, records.length - capacity);
    nextSeq += skip;
    const added = new Array<TailRow>(records.length - skip);
    for (let i = skip; i < records.length; i++) added[i - skip] = { seq: nextSeq++, record: records[i]! };
    tally.evicted += skip + rows.push(added);
    rowsChanged = true;
  };

  return {
    push: (records: readonly RecordSummary[]): void => {
      if (records.length === 0) return;
      tally.received += records.length;
      if (paused) {
        tally.droppedWhilePaused += held.push(records);
      } else append(records);
      requestPublish(false);
    },
    noteServerDropped: (count: number): void => {
      if (count <= 0) return;
      tally.droppedByServer += count;
      requestPublish(false);
    },
    pause: (): void => {
      if (paused) return;
      paused = true;
      requestPublish(true);
    },
    resume: (): void => {
      if (!paused) return;
      paused = false;
      append(held.drain());
      requestPublish(true);
    },
    clear: (): void => {
      rows.clear();
      held.clear();
      nextSeq = 0;
      Object.assign(tally, zeroTally());
      rowsChanged = true;
      requestPublish(true);
    },
    getSnapshot: (): TailSnapshot => snapshot,
    subscribe: (listener: () => void): (() => void) => {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
}
export type TailBuffer = ReturnType<typeof createTailBuffer>;
