import { describe, expect, it } from 'vitest';
import { createAckTracker, type OffsetCommit } from './acks.ts';

describe('deferred acknowledgement tracker', () => {
  it('commits contiguous done batches only, and keeps retrying a commit the broker refused', async () => {
    const committed: OffsetCommit[][] = [];
    let refuse = 1;
    const acks = createAckTracker({
      intervalMs: 5,
      commit: (offsets) => {
        if (refuse-- > 0) return Promise.reject(new Error('broker restarting'));
        committed.push([...offsets]);
        return Promise.resolve();
      },
      rewind: () => undefined,
    });
    let releaseFirst: () => void = () => undefined;
    acks.track('t', 0, 0, 10, new Promise<void>((r) => (releaseFirst = r)));
    acks.track('t', 0, 10, 20, Promise.resolve());
    await new Promise((r) => setTimeout(r, 30));
    expect(committed).toEqual([]);
    releaseFirst();
    // The first attempt is refused; the retry (1 s later) commits 20 without any new batch.
    await new Promise((r) => setTimeout(r, 1300));
    expect(committed.flat()).toEqual([{ topic: 't', partition: 0, offset: 20 }]);
    await acks.drain();
  });

  it('drops the offsets of a partition the member no longer owns', async () => {
    const committed: OffsetCommit[] = [];
    const acks = createAckTracker({
      intervalMs: 5,
      owns: (_t, p) => p === 1,
      commit: (offsets) => {
        committed.push(...offsets);
        return Promise.resolve();
      },
      rewind: () => undefined,
    });
    acks.track('t', 0, 0, 5, Promise.resolve());
    acks.track('t', 1, 0, 7, Promise.resolve());
    await acks.drain();
    expect(committed).toEqual([{ topic: 't', partition: 1, offset: 7 }]);
  });

  it('rewinds a failed batch and ignores the later batches of that partition', async () => {
    const rewinds: number[] = [];
    const committed: OffsetCommit[] = [];
    const acks = createAckTracker({
      intervalMs: 5,
      commit: (offsets) => {
        committed.push(...offsets);
        return Promise.resolve();
      },
      rewind: (_t, _p, offset) => rewinds.push(offset),
    });
    acks.track('t', 0, 0, 10, Promise.resolve());
    acks.track('t', 0, 10, 20, Promise.reject(new Error('store failed')));
    acks.track('t', 0, 20, 30, Promise.resolve());
    await acks.drain();
    expect(rewinds).toEqual([10]);
    expect(committed.map((c) => c.offset)).toEqual([10]);
  });
});
