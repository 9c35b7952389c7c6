import type { Duration } from './model.ts';

const unitMs = { s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function durationMs(d: Duration): number {
  const match = /^(\d+(?:\.\d+)?)([smhd])$/.exec(d);
  if (!match) throw new Error(`Not a duration: ${d}`);
  return Number(match[1]) * unitMs[match[2] as keyof typeof unitMs];
}

/**
 * Prometheus's own duration syntax (`1h30m`, `2s500ms`): the generator uses it to write scaled
 * `for:` values, which are rarely a whole number of one unit.
 */
export function formatDuration(ms: number): string {
  let rest = Math.max(0, Math.round(ms));
  if (rest === 0) return '0s';
  let out = '';
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
    ['ms', 1],
  ] as const) {
    const n = Math.floor(rest / size);
    if (n > 0) out += `${n}${unit}`;
    rest -= n * size;
  }
  return out;
}
