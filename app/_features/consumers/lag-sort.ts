import { line, scaleLinear } from 'd3';
import type { ConsumerGroup, LagStatus } from '../../../lib/api/consumers.ts';

// Burrow's ordering: STOP, STALL and REWIND are errors, WARN is a warning, OK is fine. Within a
// status, the group furthest behind in time (then in offsets) comes first: the on-call engineer
// reads the top of the list.
const RANK: Record<LagStatus, number> = { STOP: 3, STALL: 3, REWIND: 3, WARN: 1, OK: 0 };

export function statusRank(status: LagStatus): number {
  return RANK[status];
}

export function sortWorstFirst<
  G extends Pick<ConsumerGroup, 'groupId' | 'status' | 'maxLagSeconds' | 'totalLag'>,
>(groups: readonly G[]): G[] {
  return [...groups].sort(
    (a, b) =>
      statusRank(b.status) - statusRank(a.status) ||
      (b.maxLagSeconds ?? -1) - (a.maxLagSeconds ?? -1) ||
      b.totalLag - a.totalLag ||
      a.groupId.localeCompare(b.groupId),
  );
}

/** An SVG path for a sparkline of [time, value] points; null with fewer than two points. */
export function sparklinePath(
  points: readonly (readonly [number, number])[],
  width: number,
  height: number,
  pad = 2,
): string | null {
  if (points.length < 2) return null;
  const xs = points.map((p) => p[0]);
  const ys = points.map((p) => p[1]);
  const x = scaleLinear()
    .domain([Math.min(...xs), Math.max(...xs)])
    .range([pad, width - pad]);
  const maxY = Math.max(...ys);
  const y = scaleLinear()
    .domain([0, maxY > 0 ? maxY : 1])
    .range([height - pad, pad]);
  return line<readonly [number, number]>()
    .x((p) => x(p[0]))
    .y((p) => y(p[1]))(points);
}
