import { describe, expect, it } from 'vitest';
import { layeredLayout, linkPath } from './layered-layout.ts';

const opts = { layerGap: 100, nodeGap: 40, margin: 10 };

describe('layeredLayout', () => {
  it('puts each node one layer after its predecessors (longest path)', () => {
    const l = layeredLayout(
      ['a', 'b', 'c', 'd'],
      [
        { source: 'a', target: 'b' },
        { source: 'b', target: 'c' },
        { source: 'a', target: 'c' },
        { source: 'c', target: 'd' },
      ],
      opts,
    );
    expect(['a', 'b', 'c', 'd'].map((id) => l.positions.get(id)!.layer)).toEqual([0, 1, 2, 3]);
    expect(l.positions.get('a')!.x).toBeLessThan(l.positions.get('d')!.x);
  });

  it('survives cycles (a service that consumes what it produces) and still places every node', () => {
    const l = layeredLayout(
      ['svc', 'topic', 'group'],
      [
        { source: 'svc', target: 'topic' },
        { source: 'topic', target: 'group' },
        { source: 'group', target: 'svc' },
      ],
      opts,
    );
    expect(l.positions.size).toBe(3);
    expect(new Set([...l.positions.values()].map((p) => p.layer))).toEqual(new Set([0, 1, 2]));
  });

  it('never stacks two nodes on the same spot', () => {
    const ids = Array.from({ length: 30 }, (_, i) => `n${i}`);
    const edges = ids.slice(1).map((id, i) => ({ source: ids[Math.floor(i / 3)]!, target: id }));
    const l = layeredLayout(ids, edges, opts);
    const spots = new Set([...l.positions.values()].map((p) => `${p.x},${p.y}`));
    expect(spots.size).toBe(ids.length);
  });

  it('ignores edges to unknown nodes', () => {
    const l = layeredLayout(['a'], [{ source: 'a', target: 'ghost' }], opts);
    expect(l.positions.get('a')!.layer).toBe(0);
  });
});

describe('linkPath', () => {
  it('draws forward links as one cubic curve and back edges below', () => {
    expect(linkPath(0, 0, 100, 50)).toBe('M0,0 C50,0 50,50 100,50');
    expect(linkPath(100, 0, 0, 0)).toContain('C160,40');
  });
});
