import { createRequire } from 'node:module';

// kafkajs 2.2.4 schedules its pending-request check from an absolute timestamp: after every
// response, `scheduleCheckPendingRequests` arms `setTimeout(check, throttledUntil - Date.now())`,
// and `throttledUntil` is -1 until the broker ever throttles. With nothing pending that is a delay
// of minus the epoch time: Node prints `TimeoutNegativeWarning: -17964...` and clamps it to 1 ms,
// and since the check re-arms itself, every broker connection then spins a 1 ms timer for as long
// as it stays open (hundreds of timers a second, measured on an idle admin client).
//
// The check is only needed while requests wait in the queue: `push` arms it when it queues one.
// This replaces the method with one that arms nothing when nothing waits, waits out a throttle
// that is still running, and otherwise rechecks after kafkajs's own 10 ms. It is the project's one
// override of a kafkajs internal, kept deliberately: kafkajs has no public option for it, no
// release since 2.2.4, and the timer spins in every process that uses it (the shop included); the
// override is installed only on the release it was read against (below).

const require = createRequire(import.meta.url);

/** kafkajs's CHECK_PENDING_REQUESTS_INTERVAL. */
const RECHECK_MS = 10;

export interface RequestQueueInternals {
  pending: unknown[];
  throttledUntil: number;
  throttleCheckTimeoutId: ReturnType<typeof setTimeout> | null;
  checkPendingRequests(): void;
  scheduleCheckPendingRequests(): void;
}

export const requestQueueClass = () =>
  require('kafkajs/src/network/requestQueue/index.js') as {
    new (options: Record<string, unknown>): RequestQueueInternals;
    prototype: RequestQueueInternals;
  };

export function scheduleCheckPendingRequests(this: RequestQueueInternals): void {
  if (this.throttleCheckTimeoutId || this.pending.length === 0) return;
  const throttledFor = this.throttledUntil - Date.now();
  this.throttleCheckTimeoutId = setTimeout(
    () => {
      this.throttleCheckTimeoutId = null;
      this.checkPendingRequests();
    },
    throttledFor > 0 ? throttledFor : RECHECK_MS,
  );
}

/**
 * The only kafkajs release this replacement was read against. kafkajs has had no release since
 * 2.2.4 and the upstream fixes (tulios/kafkajs#1667, #1768) are unmerged; if the pin ever moves,
 * the replacement is not installed (and the unit test fails) rather than silently overriding a
 * method whose contract may have changed.
 */
export const KAFKAJS_VERSION_READ = '2.2.4';

let installed: boolean | undefined;

/** Installs the fixed scheduler on kafkajs's request queue (idempotent); false when not installed. */
export function fixRequestQueueTimer(): boolean {
  if (installed !== undefined) return installed;
  const { version } = require('kafkajs/package.json') as { version: string };
  installed = version === KAFKAJS_VERSION_READ;
  if (installed) requestQueueClass().prototype.scheduleCheckPendingRequests = scheduleCheckPendingRequests;
  return installed;
}
