import { sparklinePath } from './lag-sort.ts';

export function Sparkline({
  points,
  width = 140,
  height = 28,
  label,
}: {
  points: readonly (readonly [number, number])[];
  width?: number;
  height?: number;
  label: string;
}) {
  const d = sparklinePath(points, width, height);
  return (
    <svg width={width} height={height} role="img" aria-label={label} data-testid="sparkline">
      {d ? (
        <path d={d} className="sparkline" />
      ) : (
        <text x={4} y={height / 2 + 4} className="svg-muted">
          not enough history
        </text>
      )}
    </svg>
  );
}
