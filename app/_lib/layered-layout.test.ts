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

describe('layeredLayout (canonical)', () => {
  it('gives the same picture however the nodes and edges arrive (canonical)', () => {
    const ids = ['svc-a', 'topic-1', 'group-1', 'svc-b', 'topic-2', 'group-2', 'topic-3'];
    const edges = [
      { source: 'svc-a', target: 'topic-1' },
      { source: 'topic-1', target: 'group-1' },
      { source: 'group-1', target: 'svc-b' },
      { source: 'svc-b', target: 'topic-2' },
      { source: 'topic-2', target: 'group-2' },
      { source: 'group-2', target: 'svc-a' },
      { source: 'svc-b', target: 'topic-3' },
    ];
    const canonical = { ...opts, canonical: true };
    const first = layeredLayout(ids, edges, canonical);
    const flat = (l: ReturnType<typeof layeredLayout>) =>
      [...l.positions].sort(([a], [b]) => (a < b ? -1 : 1)).map(([id, p]) => `${id}@${p.x},${p.y}`);
    for (let seed = 1; seed <= 5; seed++) {
      // A deterministic shuffle per seed.
      const shuffle = <T>(xs: readonly T[]) =>
        xs
          .map((x, i) => ({ x, k: Math.sin(seed * 997 + i * 131) }))
          .sort((a, b) => a.k - b.k)
          .map((e) => e.x);
      expect(flat(layeredLayout(shuffle(ids), shuffle(edges), canonical))).toEqual(flat(first));
    }
    // In a pure cycle the alphabetically first node starts, whatever came first.
    expect(first.positions.get('group-1')!.layer).toBe(0);
  });
});

describe('linkPath', () => {
  it('draws forward links as one cubic curve and back edges below', () => {
    expect(linkPath(0, 0, 100, 50)).toBe('M0,0 C50,0 50,50 100,50');
    expect(linkPath(100, 0, 0, 0)).toContain('C160,40');
  });
});
