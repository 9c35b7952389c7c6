import { describe, expect, it } from 'vitest';
import { arrive, pointsFor, type GateFact, type GateState } from './gate.ts';

const permutations = <T>(xs: readonly T[]): T[][] =>
  xs.length <= 1
    ? [[...xs]]
    : xs.flatMap((x, i) => permutations([...xs.slice(0, i), ...xs.slice(i + 1)]).map((p) => [x, ...p]));

function feed(facts: readonly GateFact[]) {
  let state: GateState | undefined;
  const awards = [];
  for (const f of facts) {
    const r = arrive(state, 'o-1', f, f === 'placed' ? { customerId: 'c-1', total: 42.5 } : undefined);
    state = r.state;
    if (r.award) awards.push(r.award);
  }
  return awards;
}

describe('loyalty gate', () => {
  it.each(permutations<GateFact>(['placed', 'paid', 'reserved']))(
    'awards once when facts arrive as %s, %s, %s',
    (...order) => {
      expect(feed(order)).toEqual([{ orderId: 'o-1', customerId: 'c-1', total: 42.5 }]);
    },
  );

  it('stays closed until both payment and reservation arrived', () => {
    expect(feed(['placed', 'paid', 'paid'])).toEqual([]);
    expect(feed(['reserved', 'placed'])).toEqual([]);
  });

  it('never awards twice, even when a fact is delivered again after the award', () => {
    expect(feed(['paid', 'reserved', 'placed', 'paid', 'reserved', 'placed'])).toHaveLength(1);
  });

  it('scales points by tier', () => {
    expect(pointsFor(42.99, undefined)).toBe(42);
    expect(pointsFor(42.99, 'gold')).toBe(84);
    expect(pointsFor(10, 'platinum')).toBe(30);
  });
});
