// The vocabulary of Causeway's alert and recording rules. Definitions are data, not PromQL strings,
// so that one description yields both the Prometheus rule (promql.ts) and the in-process evaluator
// (vector-eval.ts) that the collector runs when no Prometheus is deployed. The expression model is
// deliberately the small subset of PromQL those rules need; anything outside it cannot be written,
// so the two evaluations cannot drift apart.

/** A Prometheus duration with one unit, e.g. `5m`. */
export type Duration = `${number}${'s' | 'm' | 'h' | 'd'}`;

export type Comparison = '>' | '>=' | '<' | '<=' | '==' | '!=';
export type Aggregation = 'sum' | 'max' | 'min';
export type RangeFunction = 'rate' | 'increase' | 'deriv';

export interface Matcher {
  readonly label: string;
  readonly op: '=' | '!=' | '=~' | '!~';
  readonly value: string;
}

export interface Selector {
  readonly metric: string;
  readonly matchers?: readonly Matcher[];
}

/** An instant-vector expression: the PromQL subset shared by both evaluators. */
export type Expr =
  /** An instant vector; with `offset`, as it was that long ago (PromQL `offset`). */
  | { readonly type: 'selector'; readonly selector: Selector; readonly offset?: Duration }
  | {
      readonly type: 'range';
      readonly fn: RangeFunction;
      readonly selector: Selector;
      readonly window: Duration;
    }
  | {
      readonly type: 'aggregate';
      readonly op: Aggregation;
      readonly by: readonly string[];
      readonly arg: Expr;
    }
  | { readonly type: 'quantile'; readonly q: number; readonly arg: Expr }
  | { readonly type: 'divide'; readonly lhs: Expr; readonly rhs: Expr }
  /** `time() - arg`: seconds since a Unix-time gauge. */
  | { readonly type: 'age'; readonly arg: Expr }
  | { readonly type: 'compare'; readonly op: Comparison; readonly lhs: Expr; readonly value: number }
  | { readonly type: 'and'; readonly lhs: Expr; readonly rhs: Expr }
  /** The left side where the right side has no match. */
  | { readonly type: 'unless'; readonly lhs: Expr; readonly rhs: Expr }
  /** The left side, plus the right side where the left side has no match. */
  | { readonly type: 'or'; readonly lhs: Expr; readonly rhs: Expr };

/** One side of a ratio: a recorded series as is, or `sum by (...) (fn(series[window]))`. */
export type Operand =
  | { readonly recorded: string }
  | {
      readonly fn: 'rate' | 'increase';
      readonly series: Selector;
      readonly window: Duration;
      readonly sumBy: readonly string[];
    };

/** The structured alert conditions. Each kind compiles to one Expr (conditions.ts). */
export type Condition =
  | {
      readonly kind: 'threshold';
      readonly series: Selector;
      readonly aggregate?: { readonly op: Aggregation; readonly by: readonly string[] };
      readonly op: Comparison;
      readonly value: number;
    }
  | {
      readonly kind: 'increase';
      readonly series: Selector;
      readonly window: Duration;
      readonly sumBy: readonly string[];
      readonly op: Comparison;
      readonly value: number;
      /**
       * Also count a series that appeared within the window, with its whole value. `increase()`
       * needs two samples, so a counter whose series is born by its first event (at 1, or at 4
       * when four arrive before a scrape) never increases: without this the first event of a
       * kind after a process start would go unnoticed.
       */
      readonly newSeries?: boolean;
    }
  | {
      readonly kind: 'ratio';
      readonly numerator: Operand;
      readonly denominator: Operand;
      readonly op: Comparison;
      readonly value: number;
      /** Silence the ratio while the denominator is this small: 1 failure in 1 is not a trend. */
      readonly minDenominator?: number;
    }
  | {
      readonly kind: 'slope';
      readonly series: Selector;
      readonly window: Duration;
      /** Per-second slope (least squares, PromQL `deriv`) that must be exceeded. */
      readonly value: number;
      /** Only while the series itself is above this level: a small lag that grows is not news. */
      readonly minLevel?: number;
    }
  | { readonly kind: 'stale'; readonly series: Selector; readonly olderThan: Duration }
  | { readonly kind: 'status'; readonly series: Selector; readonly status: string };

export type Severity = 'critical' | 'warning' | 'info';

export interface Runbook {
  /** What the alert means, in the user's terms. */
  readonly meaning: string;
  /** What to look at first, and where in the console. */
  readonly check: string;
  /** How to make it go away for good. */
  readonly fix: string;
}

export interface AlertDefinition {
  readonly alert: string;
  readonly condition: Condition;
  readonly for: Duration;
  readonly keepFiringFor?: Duration;
  readonly severity: Severity;
  /** Go templates, rendered by Prometheus (and go-template.ts) with `$labels` and `$value`. */
  readonly summary: string;
  readonly description: string;
  readonly runbook: Runbook;
  /** False when the in-process evaluator cannot see the input (e.g. Prometheus's own `up`). */
  readonly nativeSupported: boolean;
}

export interface RecordingDefinition {
  readonly record: string;
  readonly expr: Expr;
}

export type RuleGroup =
  | { readonly name: string; readonly kind: 'recording'; readonly rules: readonly RecordingDefinition[] }
  | { readonly name: string; readonly kind: 'alerting'; readonly rules: readonly AlertDefinition[] };

// Small constructors keep the definition files readable.
export const eq = (label: string, value: string): Matcher => ({ label, op: '=', value });
export const re = (label: string, value: string): Matcher => ({ label, op: '=~', value });
export const series = (metric: string, ...matchers: Matcher[]): Selector => ({ metric, matchers });
