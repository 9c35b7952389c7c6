import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { backoffDelay, BACKOFF_MAX_MS } from './backoff.ts';
import { createTailBuffer } from './tail-buffer.ts';
import { filterKey, toTailFilter } from './tail-filter.ts';

let offset = 0;
const rec = (): RecordSummary => ({
  id: `t:0:${offset}`,
  topic: 't',
  partition: 0,
  offset: offset++,
  timestamp: 0,
  storedAt: 0,
  key: null,
  keyEncoding: null,
  valueKind: 'json',
  valueSize: 2,
  valueTruncated: false,
  ceId: null,
  ceType: null,
  ceSource: null,
  ceTime: null,
  causationId: null,
  correlationId: null,
  traceId: null,
  spanId: null,
  sagaId: null,
  sagaType: null,
  isDlq: false,
  isRetry: false,
  anomalies: [],
});
const recs = (n: number) => Array.from({ length: n }, rec);

describe('tail buffer', () => {
  it('keeps the newest `capacity` rows and counts what scrolled out', () => {
    const b = createTailBuffer({ capacity: 5, holdCapacity: 10 });
    b.push(recs(3));
    b.push(recs(4));
    const s = b.getSnapshot();
    expect(s.rows.map((r) => r.seq)).toEqual([2, 3, 4, 5, 6]);
    expect(s.firstSeq).toBe(2);
    expect(s.counts).toMatchObject({ received: 7, shown: 5, evicted: 2, held: 0 });
  });

  it('freezes the list while paused and shows what was held, in order, on resume', () => {
    const b = createTailBuffer({ capacity: 100, holdCapacity: 100 });
    b.push(recs(2));
    b.pause();
    const frozen = b.getSnapshot().rows;
    b.push(recs(3));
    expect(b.getSnapshot().rows).toBe(frozen);
    expect(b.getSnapshot().counts.held).toBe(3);
    b.resume();
    const s = b.getSnapshot();
    expect(s.rows.map((r) => r.record.offset)).toEqual([
      ...frozen.map((r) => r.record.offset),
      ...[2, 3, 4].map((i) => frozen[0]!.record.offset + i),
    ]);
    expect(s.counts).toMatchObject({ received: 5, shown: 5, held: 0, droppedWhilePaused: 0 });
  });

  it('bounds the pause buffer and counts every record it had to drop', () => {
    const b = createTailBuffer({ capacity: 100, holdCapacity: 4 });
    b.pause();
    b.push(recs(3));
    b.push(recs(3));
    expect(b.getSnapshot().counts).toMatchObject({ received: 6, held: 4, droppedWhilePaused: 2 });
    b.resume();
    expect(b.getSnapshot().counts.shown).toBe(4);
  });

  it("adds up the collector's dropped frames honestly", () => {
    const b = createTailBuffer({ capacity: 10, holdCapacity: 10 });
    b.noteServerDropped(5);
    b.noteServerDropped(7);
    b.noteServerDropped(0);
    expect(b.getSnapshot().counts.droppedByServer).toBe(12);
  });

  it('handles a batch larger than the capacity without building rows it would discard', () => {
    const b = createTailBuffer({ capacity: 3, holdCapacity: 3 });
    b.push(recs(10));
    const s = b.getSnapshot();
    expect(s.rows.map((r) => r.seq)).toEqual([7, 8, 9]);
    expect(s.counts).toMatchObject({ received: 10, evicted: 7 });
  });

  it('notifies once per scheduled frame, however many batches arrive', () => {
    const queued: (() => void)[] = [];
    const b = createTailBuffer({ capacity: 10, holdCapacity: 10, schedule: (fn) => queued.push(fn) });
    let calls = 0;
    b.subscribe(() => calls++);
    b.push(recs(1));
    b.push(recs(1));
    b.noteServerDropped(1);
    expect(queued).toHaveLength(1);
    queued.shift()!();
    expect(calls).toBe(1);
  });

  it('while records stream, publishes no more often than minIntervalMs; user actions go out on the next frame', () => {
    let clock = 1000;
    const frames: (() => void)[] = [];
    const timers: { at: number; fn: () => void }[] = [];
    const b = createTailBuffer({
      capacity: 100,
      holdCapacity: 100,
      minIntervalMs: 100,
      schedule: (fn) => frames.push(fn),
      now: () => clock,
      delay: (fn, ms) => timers.push({ at: clock + ms, fn }),
    });
    const runFrame = () => frames.shift()!();
    b.push(recs(1));
    runFrame();
    expect(b.getSnapshot().counts.shown).toBe(1);

    // 16 ms later: more records wait for the interval instead of the next frame.
    clock += 16;
    b.push(recs(2));
    b.push(recs(3));
    expect(frames).toHaveLength(0);
    expect(timers.map((t) => t.at)).toEqual([1100]);
    expect(b.getSnapshot().counts.shown).toBe(1);
    clock = 1100;
    timers.shift()!.fn();
    runFrame();
    expect(b.getSnapshot().counts.shown).toBe(6);

    clock += 10;
    b.pause();
    expect(frames).toHaveLength(1);
    runFrame();
    expect(b.getSnapshot().paused).toBe(true);
  });

  it('does not copy the rows for a publish that did not change them', () => {
    const b = createTailBuffer({ capacity: 10, holdCapacity: 10 });
    b.push(recs(2));
    const rows = b.getSnapshot().rows;
    b.noteServerDropped(3);
    expect(b.getSnapshot().rows).toBe(rows);
    expect(b.getSnapshot().counts.droppedByServer).toBe(3);
  });

  it('keeps a stable snapshot between changes (useSyncExternalStore contract)', () => {
    const b = createTailBuffer({ capacity: 10, holdCapacity: 10 });
    expect(b.getSnapshot()).toBe(b.getSnapshot());
    b.push(recs(1));
    const s = b.getSnapshot();
    expect(b.getSnapshot()).toBe(s);
  });

  it('clear starts over', () => {
    const b = createTailBuffer({ capacity: 10, holdCapacity: 10 });
    b.push(recs(3));
    b.noteServerDropped(2);
    b.clear();
    expect(b.getSnapshot().counts).toEqual({
      received: 0,
      shown: 0,
      held: 0,
      evicted: 0,
      droppedByServer: 0,
      droppedWhilePaused: 0,
    });
  });
});

describe('backoffDelay', () => {
  it('grows exponentially with jitter between half and all of the step, and is capped', () => {
    expect(backoffDelay(0, () => 0)).toBe(250);
    expect(backoffDelay(0, () => 1)).toBe(500);
    expect(backoffDelay(3, () => 0.5)).toBe(3000);
    expect(backoffDelay(50, () => 1)).toBe(BACKOFF_MAX_MS);
  });
});

describe('tail filter from the URL', () => {
  it('builds only the fields that are set', () => {
    expect(toTailFilter({ topics: 'a, b', dlqOnly: '1' })).toEqual({ topics: ['a', 'b'], dlqOnly: true });
    expect(toTailFilter({})).toEqual({});
  });
  it('has a content key that ignores identity', () => {
    expect(filterKey({ topics: ['a'] })).toBe(filterKey(toTailFilter({ topics: 'a' })));
    expect(filterKey({ topics: ['a'] })).not.toBe(filterKey({ topics: ['a'], dlqOnly: true }));
  });
});
