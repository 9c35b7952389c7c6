// Reconnect delays for the live tail: exponential with a cap, and jitter so that a collector
// restart does not get every open console reconnecting in the same millisecond.

export const BACKOFF_BASE_MS = 500;
export const BACKOFF_MAX_MS = 15_000;

export function backoffDelay(
  attempt: number,
  random: () => number = Math.random,
  baseMs = BACKOFF_BASE_MS,
  maxMs = BACKOFF_MAX_MS,
): number {
  const exp = Math.min(maxMs, baseMs * 2 ** Math.max(0, attempt));
  // "Equal jitter": at least half the delay, so retries still spread out over time.
  return Math.round(exp / 2 + random() * (exp / 2));
}
