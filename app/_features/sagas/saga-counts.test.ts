import { describe, expect, it } from 'vitest';
import { countMatrix, deadlineText } from './saga-counts.ts';

describe('countMatrix', () => {
  it('pivots (type, state, count) into rows per type with totals', () => {
    const m = countMatrix([
      { type: 'b-flow', state: 'COMPLETED', count: 3 },
      { type: 'a-flow', state: 'STUCK', count: 1 },
      { type: 'b-flow', state: 'COMPENSATED', count: 2 },
    ]);
    expect(m.map((r) => r.type)).toEqual(['a-flow', 'b-flow']);
    expect(m[1]!.total).toBe(5);
    expect(m[1]!.byState.find((c) => c.state === 'COMPENSATED')!.count).toBe(2);
    expect(m[0]!.byState.find((c) => c.state === 'RUNNING')!.count).toBe(0);
  });
});

describe('deadlineText', () => {
  it('counts down and then says how late it is', () => {
    expect(deadlineText(10_000, 0)).toEqual({ text: 'due in 10 s', overdue: false });
    expect(deadlineText(0, 185_000)).toEqual({ text: 'overdue by 3m 5s', overdue: true });
    expect(deadlineText(null, 0)).toEqual({ text: 'no deadline', overdue: false });
  });
});
