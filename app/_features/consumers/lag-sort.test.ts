import { describe, expect, it } from 'vitest';
import { sortWorstFirst, sparklinePath } from './lag-sort.ts';

const g = (
  groupId: string,
  status: 'OK' | 'WARN' | 'STALL' | 'STOP' | 'REWIND',
  maxLagSeconds: number | null,
  totalLag: number,
) => ({ groupId, status, maxLagSeconds, totalLag });

describe('sortWorstFirst', () => {
  it('puts Burrow errors first, then warnings, then the furthest behind', () => {
    const sorted = sortWorstFirst([
      g('ok-far', 'OK', 500, 10),
      g('warn', 'WARN', 1, 1),
      g('stall', 'STALL', 5, 5),
      g('ok-near', 'OK', 1, 1),
      g('stop', 'STOP', 50, 1),
    ]);
    expect(sorted.map((x) => x.groupId)).toEqual(['stop', 'stall', 'warn', 'ok-far', 'ok-near']);
  });
  it('breaks ties by offset lag, then by name, so the order is stable', () => {
    expect(
      sortWorstFirst([g('b', 'OK', null, 1), g('a', 'OK', null, 1), g('c', 'OK', null, 9)]).map(
        (x) => x.groupId,
      ),
    ).toEqual(['c', 'a', 'b']);
  });
});

describe('sparklinePath', () => {
  it('needs two points', () => {
    expect(sparklinePath([[0, 1]], 100, 20)).toBeNull();
  });
  it('maps time to x and lag to y with zero at the bottom', () => {
    expect(
      sparklinePath(
        [
          [0, 0],
          [10, 10],
        ],
        100,
        20,
        0,
      ),
    ).toBe('M0,20L100,0');
  });
});
