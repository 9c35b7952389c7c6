import { describe, expect, it } from 'vitest';
import type { Chain, Hop, Span } from '../../../lib/api/chains.ts';
import type { RecordSummary } from '../../../lib/api/records.ts';
import { visibleRange } from '../../_lib/virtual-window.ts';
import { classifyChainQuery } from './chain-query.ts';
import {
  buildWaterfall,
  criticalPath,
  hopPhases,
  hopSegments,
  phasesText,
  segmentRects,
  timeScale,
} from './waterfall-layout.ts';

const hop = (i: number, at: number, extra: Partial<Hop> = {}): Hop => ({
  recordId: `t:0:${i}`,
  topic: 't',
  producer: 'p',
  consumerGroup: 'g',
  consumer: 'c',
  producedAt: at,
  brokerAt: at + 2,
  brokerAtSource: 'log_append_time',
  consumedAt: at + 10,
  processedAt: at + 30,
  ...extra,
});
const span = (
  i: number,
  recordId: string | null,
  start: number,
  end: number,
  kind: Span['kind'] = 'consumer',
  parent: string | null = null,
): Span => ({
  traceId: 'a'.repeat(32),
  spanId: `s${i}`,
  parentSpanId: parent,
  name: `span ${i}`,
  kind,
  service: 'svc',
  startMs: start,
  endMs: end,
  status: 'ok',
  attributes: {},
  links: [],
  events: [],
  resource: {},
  recordId,
});
const record = (i: number): RecordSummary =>
  ({ id: `t:0:${i}`, topic: 't', partition: 0, offset: i, ceType: `E${i}`, isDlq: false }) as RecordSummary;

function chainOf(hops: Hop[], spans: Span[] = [], anomalies: Chain['anomalies'] = []) {
  return {
    hops,
    spans,
    records: hops.map((_, i) => record(i)),
    anomalies,
    startedAt: hops[0]?.producedAt ?? 0,
    endedAt: 0,
  };
}

describe('hopSegments', () => {
  it('splits a hop into produce, broker and process segments', () => {
    expect(hopSegments(hop(0, 1000), undefined)).toEqual([
      { kind: 'produce', start: 1000, end: 1002 },
      { kind: 'broker', start: 1002, end: 1010 },
      { kind: 'process', start: 1010, end: 1030 },
    ]);
  });

  it('adds a consume segment when a process span shows when processing began', () => {
    const segs = hopSegments(hop(0, 1000), span(1, 't:0:0', 1015, 1028));
    expect(segs.map((s) => [s.kind, s.start, s.end])).toEqual([
      ['produce', 1000, 1002],
      ['broker', 1002, 1010],
      ['consume', 1010, 1015],
      ['process', 1015, 1030],
    ]);
  });

  it('leaves out what was not observed, but always marks the append to the log', () => {
    expect(
      hopSegments(hop(0, 1000, { producedAt: null, consumedAt: null, processedAt: null }), undefined),
    ).toEqual([{ kind: 'broker', start: 1002, end: 1002 }]);
    expect(
      hopSegments(hop(0, 1000, { producedAt: 1002, consumedAt: null, processedAt: null }), undefined),
    ).toEqual([{ kind: 'produce', start: 1002, end: 1002 }]);
  });
});

describe('buildWaterfall', () => {
  it('orders hops in time with their spans right under them, on one axis', () => {
    const wf = buildWaterfall(
      chainOf(
        [hop(1, 2000), hop(0, 1000)].map((h, i) => ({ ...h, recordId: `t:0:${1 - i}` })),
        [span(9, 't:0:0', 1012, 1020), span(8, null, 500, 600, 'server')],
      ),
    );
    expect(wf.rows.map((r) => r.id)).toEqual([
      `span:${'a'.repeat(32)}:s8`,
      'hop:t:0:0:g',
      `span:${'a'.repeat(32)}:s9`,
      'hop:t:0:1:g',
    ]);
    expect(wf.t0).toBe(500);
    expect(wf.t1).toBe(2030);
    expect(wf.rows[2]!.depth).toBe(1);
  });

  it('marks anomalies on the hop where they happened', () => {
    const wf = buildWaterfall(
      chainOf([hop(0, 1000), hop(1, 1100)], [], [{ kind: 'out_of_order', recordId: 't:0:1', detail: '' }]),
    );
    expect(wf.rows.find((r) => r.recordId === 't:0:1')!.anomalies).toEqual(['out_of_order']);
  });

  it('survives a span whose parent chain loops', () => {
    const wf = buildWaterfall(
      chainOf([], [span(1, null, 0, 1, 'internal', 's2'), span(2, null, 0, 1, 'internal', 's1')]),
    );
    expect(wf.rows).toHaveLength(2);
  });

  it('lays out and windows a 5,000-row chain well within the 500 ms budget', () => {
    const hops = Array.from({ length: 2500 }, (_, i) => hop(i, 1000 + i * 7));
    const spans = hops.map((h, i) => span(i, h.recordId, 1000 + i * 7 + 12, 1000 + i * 7 + 28));
    const started = performance.now();
    const wf = buildWaterfall(chainOf(hops, spans));
    const scale = timeScale(wf.t0, wf.t1, 900);
    const { start, end } = visibleRange({
      scrollTop: 40_000,
      viewportHeight: 620,
      rowHeight: 24,
      count: wf.rows.length,
    });
    const rects = wf.rows.slice(start, end).flatMap((r) => segmentRects(r, scale));
    const elapsed = performance.now() - started;
    expect(wf.rows).toHaveLength(5000);
    expect(end - start).toBeLessThan(60);
    expect(rects.every((r) => r.x >= 0 && r.x <= 900 && r.width >= 2)).toBe(true);
    expect(elapsed).toBeLessThan(250);
  });
});

describe('classifyChainQuery', () => {
  it('recognises the four kinds of id', () => {
    expect(classifyChainQuery('orders.events:2:1045')).toBe('record');
    expect(classifyChainQuery('4bf92f3577b34da6a3ce929d0e0e4736')).toBe('trace');
    expect(classifyChainQuery('0f8fad5b-d9cb-469f-a165-70867728950e')).toBe('event');
    expect(classifyChainQuery(' ord-123 ')).toBe('order');
  });
});

describe('a record consumed by two groups', () => {
  it('gets a hop per group and shows each span once, under its own group', () => {
    const h1 = hop(0, 1000, { consumerGroup: 'orchestrator', consumer: 'orchestrator' });
    const h2 = hop(0, 1000, {
      consumerGroup: 'loyalty',
      consumer: 'loyalty',
      consumedAt: 1050,
      processedAt: 1060,
    });
    const send = span(1, 't:0:0', 999, 1001, 'producer');
    const p1 = {
      ...span(2, 't:0:0', 1012, 1020),
      service: 'orchestrator',
      attributes: { 'messaging.consumer.group.name': 'orchestrator' },
    };
    const p2 = { ...span(3, 't:0:0', 1052, 1058), service: 'loyalty' };
    const wf = buildWaterfall({ ...chainOf([h1]), hops: [h1, h2], spans: [send, p1, p2] });
    expect(wf.rows.map((r) => r.id)).toEqual([
      'hop:t:0:0:orchestrator',
      `span:${'a'.repeat(32)}:s1`,
      `span:${'a'.repeat(32)}:s2`,
      'hop:t:0:0:loyalty',
      `span:${'a'.repeat(32)}:s3`,
    ]);
    expect(wf.rows[3]!.segments.find((s) => s.kind === 'process')).toEqual({
      kind: 'process',
      start: 1052,
      end: 1060,
    });
  });
});

describe('hop timings', () => {
  it('gives milliseconds per phase, and n/a for produce → broker on a CreateTime', () => {
    const h = hop(1, 1000, { producedAt: 1000, brokerAt: 1004, consumedAt: 1010, processedAt: 1030 });
    expect(phasesText(hopPhases(h, undefined))).toBe('produce 4 ms · broker 6 ms · process 20 ms');
    const create = { ...h, brokerAt: 1000, brokerAtSource: 'create_time' as const };
    expect(hopPhases(create, undefined).produce).toBeNull();
    expect(phasesText(hopPhases(create, undefined))).toMatch(/^produce n\/a · broker 10 ms/);
    expect(hopSegments(create, undefined).map((s) => s.kind)).not.toContain('produce');
  });

  it('follows causation back from the hop that ends last for the critical path', () => {
    const hops = [hop(1, 0), hop(2, 100), hop(3, 50), hop(4, 200)];
    const edges = [
      { from: 't:0:1', to: 't:0:2', kind: 'causation' as const },
      { from: 't:0:1', to: 't:0:3', kind: 'causation' as const },
      { from: 't:0:2', to: 't:0:4', kind: 'causation' as const },
      { from: 't:0:3', to: 't:0:4', kind: 'causation' as const },
    ];
    expect([...criticalPath({ hops, edges })].sort()).toEqual(['t:0:1', 't:0:2', 't:0:4']);
  });
});
