// How far a stage of ingest is complete, in event time: the time before which every record the
// stage knows of has passed through it. A saga is called STUCK only when its deadline (plus the
// grace) is before this time as well as before the clock: a deadline the clock passed while the
// records that would answer it still wait (in the broker, in the landing table, or for the search
// worker) says nothing yet. Without it a catch-up (a collector back after an hour down, a burst
// past the indexed rate) marked nearly every saga that was running STUCK until its next event was
// derived, and fired the stuck-saga alert for orders that had long completed.
//
// Per partition, as a stream processor's watermark: the oldest timestamp of the records that
// entered the stage and have not left it, and for a partition the consumer has not read to its
// end, the newest timestamp fetched (every record still on the broker is at least that new, as
// far as a partition's timestamps grow). The stage's frontier is the smallest over its partitions;
// a partition with nothing waiting anywhere does not hold it back. Records whose timestamps are
// out of order within a partition are covered by the STUCK grace, as a late event always was; a
// record appended after its partition was last read to the end but stamped well before that is
// late data, and holds nothing back past that moment (LATE_MARGIN_MS).
//
// A stage hands the entries that leave it to the next (`leave` returns them): the ingest engine's
// to the search worker, which holds them until its rounds have read them.

/** How long a report that a partition is behind counts (a partition revoked stops reporting). */
const BEHIND_FRESH_MS = 30_000;
/**
 * How much older than the moment its partition was last read to the end a record fetched after
 * it may be and still hold deadlines back. A record appended since then with an older timestamp
 * is late data (a producer's clock behind, timestamps copied from elsewhere): waiting for such
 * records would hold STUCK back by their lateness for as long as they keep coming.
 */
export const LATE_MARGIN_MS = 5_000;

/** Records of a partition up to `lastOffset` waiting in a stage, none older than `holdTs` that counts. */
export type Passed = readonly [topic: string, partition: number, lastOffset: number, holdTs: number];

interface PartitionState {
  waiting: { lastOffset: number; holdTs: number }[];
  head: number;
  /** The highest offset that left the stage: a later entry at or below it is already through. */
  passed: number;
  /** Records past the fetched ones are on the broker: their timestamps are at least `fetchedTs`. */
  behind: boolean;
  fetchedTs: number;
  reportedAt: number;
  /** When (wall clock) a fetch last reached the partition's end: what was appended before is read. */
  caughtUpAt: number;
}

export interface Frontier {
  /**
   * Records of a partition up to `lastOffset` entered the stage; the oldest that holds deadlines
   * back has timestamp `holdTs` (from `fetched`'s floor on the first stage).
   */
  enter(topic: string, partition: number, lastOffset: number, holdTs: number): void;
  /** The partition's records up to `offset` left the stage: the entries that left with them. */
  leave(topic: string, partition: number, offset: number): Passed[];
  /**
   * After a fetch: whether the broker holds more of the partition, and the fetched records'
   * oldest time. Returns the floor below which none of these records holds deadlines back (the
   * partition was read to its end at that time, `LATE_MARGIN_MS` earlier; -Infinity if never).
   */
  fetched(topic: string, partition: number, behind: boolean, fetchedTs: number): number;
  /**
   * Records of unknown time are waiting (left by an earlier run of the stage): until `n` more
   * records have left it, the frontier is -Infinity.
   */
  unknownAhead(n: number): void;
  /** Records left the stage (counted against `unknownAhead`). */
  left(n: number): void;
  /** The event time before which every record known to the stage is through; +Infinity when none waits. */
  through(): number;
}

export function createFrontier(
  opts: { clock?: () => number; wallClock?: () => number; behindFreshMs?: number } = {},
): Frontier {
  const clock = opts.clock ?? (() => performance.now());
  const wallClock = opts.wallClock ?? Date.now;
  const freshMs = opts.behindFreshMs ?? BEHIND_FRESH_MS;
  const parts = new Map<string, PartitionState>();
  let unknown = 0;
  // `through` is asked for each saga a record touches, and changes only when an entry enters or
  // leaves, a fetch reports, or a report that a partition is behind lapses: kept until then.
  let cached: { value: number; until: number } | undefined;

  const state = (topic: string, partition: number): PartitionState => {
    const key = `${topic}\u0000${partition}`;
    let s = parts.get(key);
    if (!s) {
      s = {
        waiting: [],
        head: 0,
        passed: -1,
        behind: false,
        fetchedTs: 0,
        reportedAt: 0,
        caughtUpAt: -Infinity,
      };
      parts.set(key, s);
    }
    return s;
  };

  return {
    enter(topic, partition, lastOffset, holdTs) {
      const s = state(topic, partition);
      if (lastOffset <= s.passed) return;
      s.waiting.push({ lastOffset, holdTs });
      cached = undefined;
    },
    leave(topic, partition, offset) {
      const s = state(topic, partition);
      s.passed = Math.max(s.passed, offset);
      const out: Passed[] = [];
      while (s.head < s.waiting.length && s.waiting[s.head]!.lastOffset <= offset) {
        const w = s.waiting[s.head++]!;
        out.push([topic, partition, w.lastOffset, w.holdTs]);
      }
      if (out.length) cached = undefined;
      if (s.head === s.waiting.length) {
        s.waiting = [];
        s.head = 0;
      } else if (s.head > 1024) {
        s.waiting = s.waiting.slice(s.head);
        s.head = 0;
      }
      return out;
    },
    fetched(topic, partition, behind, fetchedTs) {
      const s = state(topic, partition);
      const floor = s.caughtUpAt - LATE_MARGIN_MS;
      s.behind = behind;
      s.fetchedTs = Math.max(fetchedTs, floor);
      s.reportedAt = clock();
      if (!behind) s.caughtUpAt = wallClock();
      cached = undefined;
      return floor;
    },
    unknownAhead(n) {
      unknown = Math.max(unknown, n);
    },
    left(n) {
      unknown = Math.max(0, unknown - n);
    },
    through() {
      if (unknown > 0) return -Infinity;
      const at = clock();
      if (cached && at <= cached.until) return cached.value;
      let min = Infinity;
      let until = Infinity;
      for (const s of parts.values()) {
        const w = s.waiting[s.head];
        if (w && w.holdTs < min) min = w.holdTs;
        if (!s.behind || at - s.reportedAt > freshMs) continue;
        if (s.fetchedTs < min) min = s.fetchedTs;
        until = Math.min(until, s.reportedAt + freshMs);
      }
      cached = { value: min, until };
      return min;
    },
  };
}

/** The time up to which a deadline may be judged: the clock, held back by the stages' frontiers. */
export const judgedThrough = (now: number, ...frontiers: number[]): number => Math.min(now, ...frontiers);
