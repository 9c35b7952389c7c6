import { durationMs } from '../../dashboards/alerts/durations.ts';
import type { Comparison, Expr } from '../../dashboards/alerts/model.ts';
import { LOOKBACK_MS } from '../../dashboards/alerts/promql.ts';
import { bucketQuantile, deriv, extrapolatedRate, type Bucket } from './range-functions.ts';
import type { Labels } from './samples.ts';
import { NAME, seriesKey, type SeriesStore, type VectorElement } from './series-store.ts';

// Evaluates the expression model over the series store with PromQL's semantics for the subset it
// covers: functions and arithmetic drop the metric name, comparisons filter, binary operators match
// one-to-one on all remaining labels, `and` keeps the left side where the right side has a match,
// `unless` where it has none, `or` adds the right side's unmatched elements to the left side.

export class EvalError extends Error {
  override name = 'EvalError';
}

export interface EvalContext {
  readonly nowMs: number;
  readonly store: SeriesStore;
}

const withoutName = (labels: Labels): Labels => {
  const { [NAME]: _name, ...rest } = labels;
  return rest;
};

/** Set operators match on every label but the metric name. */
const matchKey = (e: VectorElement) => seriesKey(withoutName(e.labels));

const compare: Record<Comparison, (a: number, b: number) => boolean> = {
  '>': (a, b) => a > b,
  '>=': (a, b) => a >= b,
  '<': (a, b) => a < b,
  '<=': (a, b) => a <= b,
  '==': (a, b) => a === b,
  '!=': (a, b) => a !== b,
};

function matchIndex(elements: readonly VectorElement[], side: string): Map<string, VectorElement> {
  const index = new Map<string, VectorElement>();
  for (const e of elements) {
    const key = seriesKey(withoutName(e.labels));
    if (index.has(key)) {
      throw new EvalError(`found duplicate series for the match group on the ${side} side: ${key}`);
    }
    index.set(key, e);
  }
  return index;
}

function aggregate(
  op: 'sum' | 'max' | 'min',
  by: readonly string[],
  input: VectorElement[],
): VectorElement[] {
  const groups = new Map<string, { labels: Record<string, string>; value: number }>();
  for (const e of input) {
    const labels: Record<string, string> = {};
    for (const l of by) {
      const v = e.labels[l];
      if (v !== undefined && v !== '') labels[l] = v;
    }
    const key = seriesKey(labels);
    const g = groups.get(key);
    if (!g) groups.set(key, { labels, value: e.value });
    else if (op === 'sum') g.value += e.value;
    // As in Prometheus, a NaN is replaced by any real value.
    else if (op === 'max' && (e.value > g.value || Number.isNaN(g.value))) g.value = e.value;
    else if (op === 'min' && (e.value < g.value || Number.isNaN(g.value))) g.value = e.value;
  }
  return [...groups.values()];
}

function quantile(q: number, input: VectorElement[]): VectorElement[] {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
  for (const e of input) {
    const { le, ...rest } = withoutName(e.labels);
    if (le === undefined) continue; // Prometheus ignores series without `le`.
    const upperBound = le === '+Inf' ? Infinity : Number(le);
    const key = seriesKey(rest);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { labels: rest, buckets: [] }));
    g.buckets.push({ upperBound, count: e.value });
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) }));
}

export function evaluateExpr(e: Expr, ctx: EvalContext): VectorElement[] {
  switch (e.type) {
    case 'selector':
      return e.offset
        ? ctx.store.at(e.selector, ctx.nowMs - durationMs(e.offset), LOOKBACK_MS)
        : ctx.store.instant(e.selector);
    case 'range': {
      const windowMs = durationMs(e.window);
      const out: VectorElement[] = [];
      for (const s of ctx.store.range(e.selector, windowMs)) {
        const value =
          e.fn === 'deriv'
            ? deriv(s.points)
            : extrapolatedRate(s.points, ctx.nowMs - windowMs, ctx.nowMs, e.fn === 'rate');
        if (value !== undefined) out.push({ labels: withoutName(s.labels), value });
      }
      return out;
    }
    case 'aggregate':
      return aggregate(e.op, e.by, evaluateExpr(e.arg, ctx));
    case 'quantile':
      return quantile(e.q, evaluateExpr(e.arg, ctx));
    case 'divide': {
      const rhs = matchIndex(evaluateExpr(e.rhs, ctx), 'right');
      const lhs = matchIndex(evaluateExpr(e.lhs, ctx), 'left');
      const out: VectorElement[] = [];
      for (const [key, l] of lhs) {
        const r = rhs.get(key);
        if (r) out.push({ labels: withoutName(l.labels), value: l.value / r.value });
      }
      return out;
    }
    case 'age':
      return evaluateExpr(e.arg, ctx).map((x) => ({
        labels: withoutName(x.labels),
        value: ctx.nowMs / 1000 - x.value,
      }));
    case 'compare':
      return evaluateExpr(e.lhs, ctx).filter((x) => compare[e.op](x.value, e.value));
    case 'and':
    case 'unless': {
      const rhs = new Set(evaluateExpr(e.rhs, ctx).map(matchKey));
      return evaluateExpr(e.lhs, ctx).filter((x) => rhs.has(matchKey(x)) === (e.type === 'and'));
    }
    case 'or': {
      const lhs = evaluateExpr(e.lhs, ctx);
      const seen = new Set(lhs.map(matchKey));
      return [...lhs, ...evaluateExpr(e.rhs, ctx).filter((x) => !seen.has(matchKey(x)))];
    }
  }
}
