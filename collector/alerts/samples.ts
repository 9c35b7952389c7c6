// The evaluator's input: one flat sample per series, as a scrape would see it. prom-client's
// `register.getMetricsAsJSON()` nests values under their metric and names histogram parts through
// `metricName`; flattening turns that into exactly the series names PromQL expressions refer to.

export type Labels = Readonly<Record<string, string>>;

export interface Sample {
  readonly name: string;
  readonly labels: Labels;
  readonly value: number;
}

/** The part of prom-client's `MetricObjectWithValues` the flattening reads. */
export interface MetricJson {
  readonly name: string;
  readonly values: ReadonlyArray<{
    readonly value: number;
    readonly labels: Partial<Record<string, string | number>>;
    readonly metricName?: string;
  }>;
}

export function flattenMetricsJson(metrics: readonly MetricJson[]): Sample[] {
  const out: Sample[] = [];
  for (const metric of metrics) {
    for (const v of metric.values) {
      const labels: Record<string, string> = {};
      for (const [k, raw] of Object.entries(v.labels)) {
        // prom-client gives histogram `le` as a number except for "+Inf"; the exposition format,
        // and so Prometheus, sees the same text String() produces.
        if (raw !== undefined) labels[k] = String(raw);
      }
      // Histograms and summaries name each part (`_bucket`, `_sum`, `_count`); others use the metric's name.
      out.push({ name: v.metricName ?? metric.name, labels, value: v.value });
    }
  }
  return out;
}
