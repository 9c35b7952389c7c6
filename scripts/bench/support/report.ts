import { cpus, loadavg, totalmem } from 'node:os';

// What every benchmark prints: one JSON line per figure on stdout (so `npm run bench | jq` works
// and a run can be pasted into docs/benchmarks.md), human progress on stderr. The 1-minute load
// average goes with each figure: this machine is shared, and a figure taken at load 8 on two cores
// means something else than one taken on an idle box.

export const MACHINE = `${cpus().length} cores / ${Math.round(totalmem() / 2 ** 30)} GiB`;

export interface Figure {
  readonly bench: string;
  readonly figure: string;
  readonly value: number | null;
  readonly unit: string;
  /** The target as a number in `unit`; with `targetKind` saying which side passes. */
  readonly target?: number;
  readonly targetKind?: 'max' | 'min';
  readonly baseline?: number;
  readonly ratio?: number;
  readonly records?: number;
  /** Why there is no value (not run, not ready), or a caveat a reader needs. */
  readonly note?: string;
  readonly [extra: string]: unknown;
}

const round = (v: number) => (Math.abs(v) >= 100 ? Math.round(v) : Math.round(v * 1000) / 1000);

export function emit(f: Figure): void {
  const { bench, figure, value, unit, target, targetKind, ...rest } = f;
  const pass =
    value === null || target === undefined
      ? undefined
      : targetKind === 'min'
        ? value >= target
        : value <= target;
  const line = {
    bench,
    figure,
    value: value === null ? null : round(value),
    unit,
    ...(target !== undefined && { target, targetKind: targetKind ?? 'max' }),
    ...(pass !== undefined && { pass }),
    ...Object.fromEntries(Object.entries(rest).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v])),
    machine: MACHINE,
    load1: round(loadavg()[0] ?? 0),
    node: process.version,
    at: new Date().toISOString(),
  };
  process.stdout.write(`${JSON.stringify(line)}\n`);
}

export function progress(bench: string, message: string): void {
  const t = new Date().toISOString().slice(11, 19);
  process.stderr.write(`[${t}] ${bench}: ${message}\n`);
}

/** Nearest-rank percentile of an unsorted sample; NaN for an empty one. */
export function percentile(sample: readonly number[], p: number): number {
  if (!sample.length) return Number.NaN;
  const sorted = [...sample].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Polls `check` until it returns a value, or throws after `timeoutMs` with `what` in the message. */
export async function waitUntil<T>(
  what: string,
  check: () => Promise<T | undefined>,
  opts: { timeoutMs: number; intervalMs: number },
): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out after ${opts.timeoutMs} ms waiting for ${what}`);
    await sleep(opts.intervalMs);
  }
}

export const fmtRate = (n: number) => `${Math.round(n).toLocaleString('en-US')}/s`;
export const mb = (bytes: number) => bytes / 2 ** 20;
