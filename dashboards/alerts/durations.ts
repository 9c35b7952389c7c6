import type { Duration, RuleGroup } from './model.ts';

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

/**
 * The same rules with every `for:` and `keep_firing_for:` multiplied by `factor`. Tests against a
 * live Prometheus (and the native evaluator beside it) use this so that alerts fire in seconds
 * while expressions and windows stay exactly as shipped.
 */
export function scaleDurations(groups: readonly RuleGroup[], factor: number): RuleGroup[] {
  const scale = (d: Duration): Duration => `${(durationMs(d) * factor) / 1000}s`;
  return groups.map((g) =>
    g.kind === 'recording'
      ? g
      : {
          ...g,
          rules: g.rules.map((r) => ({
            ...r,
            for: scale(r.for),
            ...(r.keepFiringFor ? { keepFiringFor: scale(r.keepFiringFor) } : {}),
          })),
        },
  );
}
