import { describe, expect, it } from 'vitest';
import type { RecordSummary } from '../../lib/api/records.ts';
import { serverFrameSchema, type ServerFrame } from '../../lib/api/ws.ts';
import { createTailHub, type TailSocket } from './hub.ts';

const rec = (i: number, patch: Partial<RecordSummary> = {}): RecordSummary => ({
  id: `t:0:${i}`,
  topic: 't',
  partition: 0,
  offset: i,
  timestamp: i,
  storedAt: i,
  key: `k${i % 3}`,
  keyEncoding: 'utf8',
  valueKind: 'json',
  valueSize: 2,
  valueTruncated: false,
  ceId: null,
  ceType: i % 2 ? 'Odd' : 'Even',
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
  ...patch,
});

function fakeSocket(buffered = 0) {
  const frames: ServerFrame[] = [];
  const socket: TailSocket & { bufferedAmount: number } = {
    bufferedAmount: buffered,
    send: (data: string) => frames.push(serverFrameSchema.parse(JSON.parse(data))),
  };
  return { socket, frames };
}

describe('live-tail hub', () => {
  it('drops the oldest records for a client that cannot keep up and says how many', () => {
    const dropped: number[] = [];
    const hub = createTailHub({ bufferSize: 100, maxSocketBuffer: 1000, onDropped: (n) => dropped.push(n) });
    const slow = fakeSocket(5000);
    const fast = fakeSocket();
    hub.add(slow.socket).subscribe({});
    hub.add(fast.socket).subscribe({});
    for (let i = 0; i < 250; i += 50) {
      hub.publish(Array.from({ length: 50 }, (_, j) => rec(i + j)));
      hub.flush();
    }
    // The fast client got all 250; the slow one nothing yet (its socket is full).
    expect(
      fast.frames.flatMap((f) => (f.type === 'records' ? f.records.map((r) => r.offset) : [])),
    ).toHaveLength(250);
    expect(slow.frames).toHaveLength(0);
    slow.socket.bufferedAmount = 0;
    hub.flush();
    expect(slow.frames[0]).toEqual({ type: 'dropped', count: 150 });
    const got = slow.frames.flatMap((f) => (f.type === 'records' ? f.records.map((r) => r.offset) : []));
    expect(got).toEqual(Array.from({ length: 100 }, (_, i) => 150 + i));
    expect(dropped.reduce((a, b) => a + b, 0)).toBe(150);
  });

  it('sends only what matches the subscription, nothing before subscribing', () => {
    const hub = createTailHub({ bufferSize: 1000 });
    const a = fakeSocket();
    const b = fakeSocket();
    const ca = hub.add(a.socket);
    hub.add(b.socket);
    ca.subscribe({ types: ['Odd'], key: 'k1' });
    hub.publish([rec(1), rec(2), rec(3), rec(4), rec(7), rec(9, { isDlq: true })]);
    hub.flush();
    const offsets = a.frames.flatMap((f) => (f.type === 'records' ? f.records.map((r) => r.offset) : []));
    expect(offsets).toEqual([1, 7]);
    expect(b.frames).toHaveLength(0);
    ca.subscribe({ dlqOnly: true });
    hub.publish([rec(10), rec(11, { isDlq: true })]);
    hub.flush();
    expect(a.frames.at(-1)).toMatchObject({ type: 'records', records: [{ offset: 11 }] });
  });

  it('says when the first client subscribes and when the last subscribed one stops or leaves', () => {
    const changes: boolean[] = [];
    const hub = createTailHub({ bufferSize: 10, onWatching: (w) => changes.push(w) });
    const a = hub.add(fakeSocket(0).socket);
    const b = hub.add(fakeSocket(0).socket);
    expect([changes, hub.hasSubscribers()]).toEqual([[], false]);
    a.subscribe({});
    b.subscribe({ dlqOnly: true });
    a.unsubscribe();
    expect([changes, hub.hasSubscribers()]).toEqual([[true], true]);
    b.remove();
    expect([changes, hub.hasSubscribers()]).toEqual([[true, false], false]);
    a.subscribe({});
    a.remove();
    expect(changes).toEqual([true, false, true, false]);
  });

  it('publishing never blocks on a client and forgets removed clients', () => {
    const hub = createTailHub({ bufferSize: 10 });
    const a = fakeSocket(Number.MAX_SAFE_INTEGER);
    const c = hub.add(a.socket);
    c.subscribe({});
    const t0 = performance.now();
    for (let i = 0; i < 1000; i++) hub.publish(Array.from({ length: 100 }, (_, j) => rec(i * 100 + j)));
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(hub.clientCount()).toBe(1);
    c.remove();
    expect(hub.clientCount()).toBe(0);
  });
});
