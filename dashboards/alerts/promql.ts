import { durationMs } from './durations.ts';
import type { Expr, Selector } from './model.ts';

// Renders the expression model as PromQL. Parentheses are added only where PromQL's precedence
// (arithmetic > comparison > and) would otherwise change the meaning, so the generated rules read
// like hand-written ones.

const quote = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

export function selectorPromQL(s: Selector): string {
  const matchers = (s.matchers ?? []).map((m) => `${m.label}${m.op}${quote(m.value)}`);
  return matchers.length > 0 ? `${s.metric}{${matchers.join(', ')}}` : s.metric;
}

const precedence = (e: Expr): number => {
  switch (e.type) {
    case 'or':
      return 0;
    case 'and':
    case 'unless':
      return 1;
    case 'compare':
      return 2;
    case 'age':
      return 3; // binary minus
    case 'divide':
      return 4;
    default:
      return 5; // selectors and function calls are atoms
  }
};

/** Renders `e`, wrapped in parentheses when it binds looser than its parent operator. */
function operand(e: Expr, parent: number): string {
  const text = toPromQL(e);
  return precedence(e) <= parent ? `(${text})` : text;
}

export function toPromQL(e: Expr): string {
  switch (e.type) {
    case 'selector':
      return e.offset ? `${selectorPromQL(e.selector)} offset ${e.offset}` : selectorPromQL(e.selector);
    case 'range':
      return `${e.fn}(${selectorPromQL(e.selector)}[${e.window}])`;
    case 'aggregate':
      return e.by.length > 0
        ? `${e.op} by (${e.by.join(', ')}) (${toPromQL(e.arg)})`
        : `${e.op}(${toPromQL(e.arg)})`;
    case 'quantile':
      return `histogram_quantile(${e.q}, ${toPromQL(e.arg)})`;
    case 'divide':
      // Left-associative: the left side needs parentheses only if it binds strictly looser.
      return `${operand(e.lhs, 3)} / ${operand(e.rhs, 4)}`;
    case 'age':
      return `time() - ${operand(e.arg, 3)}`;
    case 'compare':
      return `${operand(e.lhs, 2)} ${e.op} ${e.value}`;
    case 'and':
    case 'unless':
      return `${operand(e.lhs, 0)} ${e.type} ${operand(e.rhs, 1)}`;
    case 'or':
      return `${operand(e.lhs, -1)} or ${operand(e.rhs, 0)}`;
  }
}

/** PromQL's lookback: an instant selector sees the latest sample at most this old. */
export const LOOKBACK_MS = 5 * 60_000;

/**
 * Metric names some range function or offset reads, and how far back: the only ones whose history
 * is worth keeping.
 */
export function rangeMetrics(e: Expr): { metric: string; windowMs: number }[] {
  switch (e.type) {
    case 'selector':
      return e.offset ? [{ metric: e.selector.metric, windowMs: durationMs(e.offset) + LOOKBACK_MS }] : [];
    case 'range':
      return [{ metric: e.selector.metric, windowMs: durationMs(e.window) }];
    case 'aggregate':
    case 'quantile':
    case 'age':
    case 'compare':
      return rangeMetrics('arg' in e ? e.arg : e.lhs);
    case 'divide':
    case 'and':
    case 'unless':
    case 'or':
      return [...rangeMetrics(e.lhs), ...rangeMetrics(e.rhs)];
  }
}
