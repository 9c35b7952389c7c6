import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { z } from 'zod';
import { CONSOLE_URL_LABEL } from '../../dashboards/alerts/definitions.ts';
import type { RuleGroup } from '../../dashboards/alerts/model.ts';
import { createAlertEvaluator } from './evaluate.ts';
import type { Sample } from './samples.ts';

// Replays a promtool rule-test file through the native evaluator: the same input series, ticked
// at the same instants, must produce the same firing alerts with the same rendered annotations.
// This is what keeps the in-process evaluator honest against Prometheus itself.

const durationSchema = z.string().regex(/^(\d+(ms|s|m|h|d|w|y))+$/);
const unitMs: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
  y: 31_536_000_000,
};
export const promDurationMs = (d: string): number =>
  [...d.matchAll(/(\d+)(ms|s|m|h|d|w|y)/g)].reduce(
    (sum, [, n, u]) => sum + Number(n) * (unitMs[u ?? ''] ?? NaN),
    0,
  );

const expAlertSchema = z.object({
  exp_labels: z.record(z.string(), z.string()).default({}),
  exp_annotations: z.record(z.string(), z.string()).default({}),
});
const testFileSchema = z.object({
  evaluation_interval: durationSchema.default('1m'),
  tests: z.array(
    z.object({
      name: z.string().optional(),
      interval: durationSchema.optional(),
      external_labels: z.record(z.string(), z.string()).default({}),
      input_series: z.array(z.object({ series: z.string(), values: z.string() })),
      alert_rule_test: z
        .array(
          z.object({
            eval_time: durationSchema,
            alertname: z.string(),
            exp_alerts: z.array(expAlertSchema).nullable().default([]),
          }),
        )
        .default([]),
    }),
  ),
});

/** Prometheus's expanding notation: `a+bxn` is n+1 values from a in steps of b, `stale` is a gap. */
export function expandValues(text: string): (number | undefined)[] {
  const out: (number | undefined)[] = [];
  for (const item of text.trim().split(/\s+/)) {
    if (item === 'stale') {
      out.push(undefined);
      continue;
    }
    if (item.startsWith('_')) {
      // promtool's `_` leaves the previous sample visible for 5 minutes of lookback, which a tick
      // without the series cannot express; `stale` is what a vanished series really looks like.
      throw new Error(`"_" is not supported by the native replay; use "stale" in "${text}"`);
    }
    const num = String.raw`\d+(?:\.\d+)?(?:e[+-]?\d+)?`;
    const m = new RegExp(String.raw`^(-?${num}|[+-]?Inf|NaN)(?:([+-])(${num})x(\d+)|x(\d+))?$`).exec(item);
    if (!m?.[1]) throw new Error(`Unsupported series value "${item}"`);
    const start = m[1].endsWith('Inf') ? (m[1].startsWith('-') ? -Infinity : Infinity) : Number(m[1]);
    const step = m[3] === undefined ? 0 : Number(m[3]) * (m[2] === '-' ? -1 : 1);
    const count = Number(m[4] ?? m[5] ?? 0);
    for (let i = 0; i <= count; i++) out.push(start + i * step);
  }
  return out;
}

export function parseSeries(text: string): { name: string; labels: Record<string, string> } {
  const m = /^\s*([a-zA-Z_:][a-zA-Z0-9_:]*)\s*(?:\{(.*)\})?\s*$/.exec(text);
  if (!m?.[1]) throw new Error(`Unsupported series selector "${text}"`);
  const labels: Record<string, string> = {};
  for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)\s*=\s*"((?:[^"\\]|\\.)*)"/g)) {
    if (k !== undefined && v !== undefined) labels[k] = v.replace(/\\(.)/g, '$1');
  }
  return { name: m[1], labels };
}

export interface ReplayedAssertion {
  readonly test: string;
  readonly alertname: string;
  readonly evalTime: string;
  readonly expected: readonly { labels: Record<string, string>; annotations: Record<string, string> }[];
  readonly got: readonly { labels: Record<string, string>; annotations: Record<string, string> }[];
}

const byLabels = (a: { labels: Record<string, string> }, b: { labels: Record<string, string> }) =>
  JSON.stringify(a.labels) < JSON.stringify(b.labels) ? -1 : 1;
const sortedRecord = (r: Record<string, string>) =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => (a < b ? -1 : 1)));

export function replayPromtoolTests(
  file: string,
  options: { definitions?: readonly RuleGroup[]; skipAlerts?: ReadonlySet<string> } = {},
): ReplayedAssertion[] {
  const doc = testFileSchema.parse(parse(readFileSync(file, 'utf8')));
  const evalMs = promDurationMs(doc.evaluation_interval);
  const results: ReplayedAssertion[] = [];
  for (const [i, test] of doc.tests.entries()) {
    const name = test.name ?? `test #${i}`;
    const stepMs = promDurationMs(test.interval ?? doc.evaluation_interval);
    if (stepMs !== evalMs) throw new Error(`${name}: the replay needs interval == evaluation_interval`);
    const asserts = test.alert_rule_test.filter((a) => !options.skipAlerts?.has(a.alertname));
    if (asserts.length === 0) continue;
    const inputs = test.input_series.map((s) => ({
      ...parseSeries(s.series),
      values: expandValues(s.values),
    }));
    const evaluator = createAlertEvaluator({
      // The test's external labels, as promtool gives them to the templates.
      consoleUrl: test.external_labels[CONSOLE_URL_LABEL] ?? '',
      ...(options.definitions ? { definitions: options.definitions } : {}),
    });
    const lastMs = Math.max(...asserts.map((a) => promDurationMs(a.eval_time)));
    for (let t = 0, step = 0; t <= lastMs; t += stepMs, step++) {
      const samples: Sample[] = inputs.flatMap((s) => {
        const value = s.values[step];
        return value === undefined ? [] : [{ name: s.name, labels: s.labels, value }];
      });
      evaluator.tick(t, samples);
      for (const a of asserts.filter((x) => promDurationMs(x.eval_time) === t)) {
        const got = evaluator
          .alerts()
          .filter((x) => x.state === 'firing' && x.labels.alertname === a.alertname)
          .map((x) => ({ labels: sortedRecord(x.labels), annotations: sortedRecord(x.annotations) }))
          .sort(byLabels);
        const expected = (a.exp_alerts ?? [])
          .map((x) => ({
            labels: sortedRecord({ ...x.exp_labels, alertname: a.alertname }),
            annotations: sortedRecord(x.exp_annotations),
          }))
          .sort(byLabels);
        results.push({ test: name, alertname: a.alertname, evalTime: a.eval_time, expected, got });
      }
    }
  }
  return results;
}
