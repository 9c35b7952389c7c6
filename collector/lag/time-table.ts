// Time lag the way kafka-lag-exporter estimates it: each poll records (high watermark, wall time)
// for a partition, so the table says roughly *when* each offset was produced. The committed offset
// of a group is the next record it will read; the time that record was produced, read off the
// table by linear interpolation, tells how far behind the group is in seconds.
//
// Bounded: a flat run (the high watermark did not move between polls) keeps only its first and
// latest point, so an idle partition costs two points however long it idles, and the table holds
// at most `maxPoints` (oldest dropped first).

export interface OffsetTimePoint {
  readonly offset: number;
  readonly at: number;
}

export interface OffsetTimeTable {
  /** Records that the high watermark was `offset` at wall time `at` (ms). */
  add(offset: number, at: number): void;
  /** Estimated wall time (ms) at which `offset` was produced; null with fewer than two points. */
  timeOf(offset: number): number | null;
  points(): readonly OffsetTimePoint[];
}

export const DEFAULT_TABLE_POINTS = 60;

export function createOffsetTimeTable(maxPoints = DEFAULT_TABLE_POINTS): OffsetTimeTable {
  // Needs room for one flat run (two points) plus one more to interpolate anything.
  const limit = Math.max(3, maxPoints);
  let pts: OffsetTimePoint[] = [];

  const add = (offset: number, at: number) => {
    const last = pts[pts.length - 1];
    // A watermark that went back means the topic was deleted and recreated (or truncated by an
    // unclean leader election): the old points describe another log.
    if (last && (offset < last.offset || at < last.at)) pts = [];
    const prev = pts[pts.length - 2];
    if (last && prev && last.offset === offset && prev.offset === offset) {
      pts[pts.length - 1] = { offset, at };
      return;
    }
    pts.push({ offset, at });
    if (pts.length > limit) pts.splice(0, pts.length - limit);
  };

  const timeOf = (offset: number): number | null => {
    if (pts.length < 2) return null;
    const first = pts[0]!;
    const last = pts[pts.length - 1]!;
    if (offset < first.offset) {
      // Produced before we started watching: extrapolate back from the first point with the rate of
      // the nearest segment that saw production. Anchored on the first point (not the end of a flat
      // run) because the offset certainly existed by then.
      const seg = firstMovingSegment(pts);
      if (!seg) return first.at; // No rate known: "before we started watching" is all we can say.
      return first.at - (first.offset - offset) * slope(seg[0], seg[1]);
    }
    if (offset >= last.offset) {
      const seg = lastMovingSegment(pts);
      if (!seg) return last.at;
      return last.at + (offset - last.offset) * slope(seg[0], seg[1]);
    }
    // Latest point at or below `offset` and the next one (strictly above it, since offsets never
    // decrease): taking the end of a flat run gives the latest time the record did not exist yet.
    let lo = 0;
    let hi = pts.length - 1;
    while (hi - lo > 1) {
      const mid = (lo + hi) >> 1;
      if (pts[mid]!.offset <= offset) lo = mid;
      else hi = mid;
    }
    const a = pts[lo]!;
    const b = pts[hi]!;
    return a.at + (offset - a.offset) * slope(a, b);
  };

  return { add, timeOf, points: () => pts };
}

/** Milliseconds per offset between two points with different offsets. */
const slope = (a: OffsetTimePoint, b: OffsetTimePoint) => (b.at - a.at) / (b.offset - a.offset);

function firstMovingSegment(pts: readonly OffsetTimePoint[]): [OffsetTimePoint, OffsetTimePoint] | null {
  for (let i = 1; i < pts.length; i++)
    if (pts[i]!.offset !== pts[i - 1]!.offset) return [pts[i - 1]!, pts[i]!];
  return null;
}

function lastMovingSegment(pts: readonly OffsetTimePoint[]): [OffsetTimePoint, OffsetTimePoint] | null {
  for (let i = pts.length - 1; i > 0; i--)
    if (pts[i]!.offset !== pts[i - 1]!.offset) return [pts[i - 1]!, pts[i]!];
  return null;
}

/**
 * Time lag of a group on one partition, in seconds: now − production time of the next record it
 * will read. 0 when there is nothing to read; null when the table cannot say yet.
 * `position` is where the group will read next (the committed offset, or the log start when it has
 * not committed or its offset fell out of retention).
 */
export function lagSeconds(
  table: OffsetTimeTable,
  position: number,
  offsetLag: number,
  now: number,
): number | null {
  if (offsetLag <= 0) return 0;
  const producedAt = table.timeOf(position);
  if (producedAt === null) return null;
  return Math.max(0, (now - producedAt) / 1000);
}
