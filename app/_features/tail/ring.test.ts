import { describe, expect, it } from 'vitest';
import { createRing } from './ring.ts';

describe('ring', () => {
  it('keeps items in order until full, then overwrites the oldest and says how many went', () => {
    const r = createRing<number>(4);
    expect(r.push([1, 2, 3])).toBe(0);
    expect(r.toArray()).toEqual([1, 2, 3]);
    expect(r.push([4, 5, 6])).toBe(2);
    expect(r.toArray()).toEqual([3, 4, 5, 6]);
    expect(r.length).toBe(4);
  });

  it('takes a batch larger than itself: only the newest survive, everything else is counted', () => {
    const r = createRing<number>(3);
    r.push([1, 2]);
    expect(r.push([3, 4, 5, 6, 7])).toBe(4);
    expect(r.toArray()).toEqual([5, 6, 7]);
  });

  it('wraps around many times without losing order', () => {
    const r = createRing<number>(5);
    let lost = 0;
    for (let i = 0; i < 103; i += 3) lost += r.push([i, i + 1, i + 2]);
    expect(r.toArray()).toEqual([100, 101, 102, 103, 104]);
    expect(lost).toBe(105 - 5);
  });

  it('drains to empty and can be reused', () => {
    const r = createRing<string>(2);
    r.push(['a', 'b', 'c']);
    expect(r.drain()).toEqual(['b', 'c']);
    expect(r.length).toBe(0);
    expect(r.toArray()).toEqual([]);
    r.push(['d']);
    expect(r.toArray()).toEqual(['d']);
    r.clear();
    expect(r.length).toBe(0);
  });

  it('refuses a capacity that could hold nothing', () => {
    expect(() => createRing(0)).toThrow(/capacity/);
  });
});
