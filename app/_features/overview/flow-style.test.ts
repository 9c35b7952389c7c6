import { describe, expect, it } from 'vitest';
import {
  drillHref,
  edgeTone,
  edgeWidthScale,
  nodeTone,
  visibleTopology,
  type TopologyEdge,
  type TopologyNode,
} from './flow-style.ts';

const node = (id: string, kind: TopologyNode['kind'], extra: Partial<TopologyNode> = {}): TopologyNode => ({
  id,
  kind,
  label: id,
  ratePerSec: 1,
  isDlq: false,
  lagStatus: null,
  ...extra,
});
const edge = (extra: Partial<TopologyEdge> = {}): TopologyEdge => ({
  source: 'a',
  target: 'b',
  kind: 'produces',
  ratePerSec: 1,
  errorRate: 0,
  lagStatus: null,
  ...extra,
});

describe('flow colours', () => {
  it('is red for errors, dead letters and stalled lag; amber for warnings', () => {
    expect(edgeTone(edge({ errorRate: 0.1 }), undefined)).toBe('bad');
    expect(edgeTone(edge(), node('b', 'topic', { isDlq: true }))).toBe('bad');
    expect(edgeTone(edge({ lagStatus: 'STALL' }), undefined)).toBe('bad');
    expect(edgeTone(edge({ lagStatus: 'WARN' }), undefined)).toBe('warn');
    expect(edgeTone(edge({ errorRate: 0.01 }), undefined)).toBe('warn');
    expect(edgeTone(edge({ ratePerSec: 0 }), undefined)).toBe('idle');
    expect(edgeTone(edge(), undefined)).toBe('ok');
    expect(nodeTone(node('g', 'group', { lagStatus: 'STOP' }))).toBe('bad');
  });

  it('sizes edges by the square root of throughput, within bounds', () => {
    const w = edgeWidthScale([edge({ ratePerSec: 100 }), edge({ ratePerSec: 25 })]);
    expect(w(0)).toBeCloseTo(1.2);
    expect(w(100)).toBeCloseTo(10);
    expect(w(25)).toBeCloseTo(1.2 + (10 - 1.2) * 0.5);
    expect(w(1000)).toBeCloseTo(10);
  });
});

describe('drillHref', () => {
  it('opens the page that explains the node', () => {
    const nodes = [
      node('svc', 'service'),
      node('topic:o', 'topic', { label: 'orders' }),
      node('topic:o-dlt', 'topic', { label: 'orders-dlt', isDlq: true }),
      node('grp', 'group', { label: 'billing' }),
    ];
    const edges = [edge({ source: 'svc', target: 'topic:o' })];
    expect(drillHref(nodes[0]!, edges, nodes)).toBe('/tail?topics=orders');
    expect(drillHref(nodes[1]!, edges, nodes)).toBe('/tail?topics=orders');
    expect(drillHref(nodes[2]!, edges, nodes)).toBe('/dlq?dlqTopic=orders-dlt');
    expect(drillHref(nodes[3]!, edges, nodes)).toBe('/consumers?group=billing');
  });
});

describe('visibleTopology', () => {
  it('hides idle, healthy nodes and their edges unless asked, and says how many', () => {
    const t = {
      windowMs: 1,
      nodes: [
        node('a', 'service'),
        node('idle', 'topic', { ratePerSec: 0 }),
        node('dlq', 'topic', { ratePerSec: 0, isDlq: true }),
        node('g', 'group', { ratePerSec: 0, lagStatus: 'STALL' }),
      ],
      edges: [edge({ source: 'a', target: 'idle' }), edge({ source: 'a', target: 'dlq' })],
    };
    const shown = visibleTopology(t, false);
    expect(shown.hidden).toBe(1);
    expect(shown.topology.nodes.map((n) => n.id)).toEqual(['a', 'dlq', 'g']);
    expect(shown.topology.edges).toHaveLength(1);
    expect(visibleTopology(t, true).topology).toBe(t);
  });
});
