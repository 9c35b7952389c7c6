import type { Point } from './series-store.ts';

// Ports of the Prometheus 2.x functions the rules use, so that `increase(...) > 50` flips at the
// same sample natively as in Prometheus: rate and increase extrapolate to the window's edges, and
// a naive "last minus first" would disagree with promtool near every threshold.

/** promql/functions.go extrapolatedRate. Undefined with fewer than two points. */
export function extrapolatedRate(
  points: readonly Point[],
  rangeStartMs: number,
  rangeEndMs: number,
  isRate: boolean,
): number | undefined {
  const first = points[0];
  const last = points[points.length - 1];
  if (points.length < 2 || !first || !last) return undefined;
  let result = last.v - first.v;
  // A counter that went down was reset; the value before the reset was counted up to then.
  let previous = 0;
  for (const p of points) {
    if (p.v < previous) result += previous;
    previous = p.v;
  }
  let durationToStart = (first.t - rangeStartMs) / 1000;
  const durationToEnd = (rangeEndMs - last.t) / 1000;
  const sampledInterval = (last.t - first.t) / 1000;
  const averageStep = sampledInterval / (points.length - 1);
  if (result > 0 && first.v >= 0) {
    // Counters start at zero: never extrapolate below it.
    const durationToZero = sampledInterval * (first.v / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  const threshold = averageStep * 1.1;
  let interval = sampledInterval;
  interval += durationToStart < threshold ? durationToStart : averageStep / 2;
  interval += durationToEnd < threshold ? durationToEnd : averageStep / 2;
  result *= interval / sampledInterval;
  return isRate ? result / ((rangeEndMs - rangeStartMs) / 1000) : result;
}

/** promql/functions.go funcDeriv: least-squares slope per second. */
export function deriv(points: readonly Point[]): number | undefined {
  const first = points[0];
  if (points.length < 2 || !first) return undefined;
  if (points.every((p) => p.v === first.v)) return Number.isFinite(first.v) ? 0 : NaN;
  let n = 0;
  let sumX = 0;
  let sumY = 0;
  let sumXY = 0;
  let sumX2 = 0;
  for (const p of points) {
    // Relative to the first sample to keep the sums small (prometheus#2674).
    const x = (p.t - first.t) / 1000;
    n += 1;
    sumX += x;
    sumY += p.v;
    sumXY += x * p.v;
    sumX2 += x * x;
  }
  return (sumXY - (sumX * sumY) / n) / (sumX2 - (sumX * sumX) / n);
}

export interface Bucket {
  readonly upperBound: number;
  count: number;
}

/** promql/quantile.go bucketQuantile, for classic histograms. */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted[sorted.length - 1]?.upperBound !== Infinity) return NaN;
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const prev = buckets[buckets.length - 1];
    if (prev && prev.upperBound === b.upperBound) prev.count += b.count;
    else buckets.push({ upperBound: b.upperBound, count: b.count });
  }
  // Buckets scraped at slightly different moments can be non-monotonic; Prometheus flattens them.
  let max = -Infinity;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else if (b.count < max) b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = buckets[buckets.length - 1]?.count ?? 0;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((x, i) => i < buckets.length - 1 && x.count >= rank);
  if (b === -1) b = buckets.length - 1;
  const at = buckets[b];
  const before = buckets[b - 1];
  if (b === buckets.length - 1) return buckets[buckets.length - 2]?.upperBound ?? NaN;
  if (!at) return NaN;
  if (b === 0 && at.upperBound <= 0) return at.upperBound;
  let start = 0;
  let count = at.count;
  if (before) {
    start = before.upperBound;
    count -= before.count;
    rank -= before.count;
  }
  return start + (at.upperBound - start) * (rank / count);
}
