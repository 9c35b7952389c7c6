import { replayKeySchema, type DlqEntryDetail } from '../../../lib/api/dlq.ts';

// A replay key names one intent to replay ("I pressed Replay on this entry"), not one HTTP
// request: a double click, a retry after a timeout or a second tab sends the same key, and the
// collector replays once. A new key is minted only when the user deliberately starts a new intent.

export function newReplayKey(random: () => string = () => crypto.randomUUID()): string {
  const key = `ui-${random()}`;
  // Fails loudly in tests if the format ever drifts from what the collector accepts.
  return replayKeySchema.parse(key);
}

export interface ReplayIntent {
  /** The key of the current intent, minted on first use. */
  key: () => string;
  /** Ends the intent: the next `key()` is a new one. */
  reset: () => void;
}

export function createReplayIntent(mint: () => string = newReplayKey): ReplayIntent {
  let current: string | null = null;
  return {
    key: () => {
      current ??= mint();
      return current;
    },
    reset: () => {
      current = null;
    },
  };
}

/** Why the button cannot be pressed, in words, or null when it can. */
export function replayBlockedReason(
  entry: Pick<DlqEntryDetail, 'status' | 'originTopic'>,
  token: string | null,
  /** From the collector's health; a collector without OPERATOR_TOKEN accepts writes without one. */
  tokenRequired = true,
): string | null {
  if (!token && tokenRequired) return 'Set the operator token (top right) to replay.';
  if (entry.originTopic === null)
    return 'The origin topic is unknown: the dead letter carries no origin headers and its name gives none.';
  if (entry.status === 'quarantined')
    return 'Quarantined by the loop guard: it was replayed too often and failed again.';
  return null;
}
