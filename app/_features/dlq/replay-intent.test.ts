import { describe, expect, it } from 'vitest';
import { replayKeySchema } from '../../../lib/api/dlq.ts';
import { createReplayIntent, newReplayKey, replayBlockedReason } from './replay-intent.ts';
import { latestReplay } from './api.ts';

describe('replay intent', () => {
  it('mints keys the collector accepts', () => {
    expect(replayKeySchema.safeParse(newReplayKey()).success).toBe(true);
    expect(newReplayKey()).not.toBe(newReplayKey());
  });

  it('gives a double click the same key, and a new intent a new one', () => {
    let n = 0;
    const intent = createReplayIntent(() => `ui-key-${++n}-xxxxxx`);
    const first = intent.key();
    expect(intent.key()).toBe(first);
    intent.reset();
    expect(intent.key()).not.toBe(first);
  });
});

describe('replayBlockedReason', () => {
  it('says why the button is disabled', () => {
    expect(replayBlockedReason({ status: 'unresolved', originTopic: 'orders' }, null)).toMatch(
      /operator token/,
    );
    expect(replayBlockedReason({ status: 'unresolved', originTopic: null }, 't')).toMatch(
      /origin topic is unknown/,
    );
    expect(replayBlockedReason({ status: 'quarantined', originTopic: 'orders' }, 't')).toMatch(/Quarantined/);
    expect(replayBlockedReason({ status: 'unresolved', originTopic: 'orders' }, 't')).toBeNull();
    // A collector without an operator token configured takes replays without one.
    expect(replayBlockedReason({ status: 'unresolved', originTopic: 'orders' }, null, false)).toBeNull();
  });
});

describe('latestReplay', () => {
  it('picks the most recent request', () => {
    const r = (id: string, requestedAt: number) => ({ id, requestedAt }) as never;
    expect(latestReplay({ replays: [r('a', 1), r('b', 3), r('c', 2)] })).toMatchObject({ id: 'b' });
    expect(latestReplay({ replays: [] })).toBeNull();
  });
});
