import { durationMs } from './durations.ts';
import type { Condition, Expr, Operand, Selector } from './model.ts';

// Each condition kind is sugar for one expression shape. Both the PromQL renderer and the native
// evaluator work on the expression, never on the condition, so a kind added here is automatically
// supported by both.

const select = (selector: Selector): Expr => ({ type: 'selector', selector });

function operand(o: Operand): Expr {
  if ('recorded' in o) return select({ metric: o.recorded });
  return {
    type: 'aggregate',
    op: 'sum',
    by: o.sumBy,
    arg: { type: 'range', fn: o.fn, selector: o.series, window: o.window },
  };
}

export function conditionExpr(c: Condition): Expr {
  switch (c.kind) {
    case 'threshold': {
      const base = select(c.series);
      const lhs: Expr = c.aggregate
        ? { type: 'aggregate', op: c.aggregate.op, by: c.aggregate.by, arg: base }
        : base;
      return { type: 'compare', op: c.op, lhs, value: c.value };
    }
    case 'increase': {
      const increase: Expr = {
        type: 'compare',
        op: c.op,
        value: c.value,
        lhs: {
          type: 'aggregate',
          op: 'sum',
          by: c.sumBy,
          arg: { type: 'range', fn: 'increase', selector: c.series, window: c.window },
        },
      };
      if (!c.newSeries) return increase;
      // `x unless x offset <window>`: the series that did not exist one window ago, at their value.
      const born: Expr = {
        type: 'compare',
        op: c.op,
        value: c.value,
        lhs: {
          type: 'aggregate',
          op: 'sum',
          by: c.sumBy,
          arg: {
            type: 'unless',
            lhs: select(c.series),
            rhs: { type: 'selector', selector: c.series, offset: c.window },
          },
        },
      };
      return { type: 'or', lhs: increase, rhs: born };
    }
    case 'ratio': {
      const denominator = operand(c.denominator);
      const ratio: Expr = {
        type: 'compare',
        op: c.op,
        value: c.value,
        lhs: { type: 'divide', lhs: operand(c.numerator), rhs: denominator },
      };
      if (c.minDenominator === undefined) return ratio;
      return {
        type: 'and',
        lhs: ratio,
        rhs: { type: 'compare', op: '>=', lhs: denominator, value: c.minDenominator },
      };
    }
    case 'slope': {
      const slope: Expr = {
        type: 'compare',
        op: '>',
        value: c.value,
        lhs: { type: 'range', fn: 'deriv', selector: c.series, window: c.window },
      };
      if (c.minLevel === undefined) return slope;
      return {
        type: 'and',
        lhs: slope,
        rhs: { type: 'compare', op: '>', lhs: select(c.series), value: c.minLevel },
      };
    }
    case 'stale':
      return {
        type: 'compare',
        op: '>',
        lhs: { type: 'age', arg: select(c.series) },
        // PromQL compares plain seconds here, so the duration becomes a number.
        value: durationMs(c.olderThan) / 1000,
      };
    case 'status':
      return {
        type: 'compare',
        op: '==',
        value: 1,
        lhs: select({
          metric: c.series.metric,
          matchers: [...(c.series.matchers ?? []), { label: 'status', op: '=', value: c.status }],
        }),
      };
  }
}
