import type { Matcher, Selector } from '../../dashboards/alerts/model.ts';
import type { Labels, Sample } from './samples.ts';

// What the native evaluator remembers between ticks. The instant view is only the latest tick,
// like a Prometheus query right after a scrape (a series missing from the tick is gone, as a
// staleness marker would make it). History is kept only for metrics that some range expression
// reads, only as long as the longest window, and at most `maxPointsPerSeries` points per series,
// so memory is bounded by definitions, not by uptime.

export const NAME = '__name__';

export interface Point {
  readonly t: number;
  readonly v: number;
}

export interface VectorElement {
  /** Includes `__name__` while the value is still a raw series. */
  readonly labels: Labels;
  readonly value: number;
}

export interface RangeSeries {
  readonly labels: Labels;
  readonly points: readonly Point[];
}

export interface SeriesStoreOptions {
  readonly trackedMetrics: ReadonlySet<string>;
  readonly retentionMs: number;
  readonly maxPointsPerSeries: number;
}

export interface SeriesStore {
  /** Starts a new evaluation instant: forgets the previous instant view, prunes old history. */
  beginTick(nowMs: number): void;
  add(samples: readonly Sample[]): void;
  instant(selector: Selector): VectorElement[];
  /** Points in the closed interval [now - windowMs, now], as Prometheus 2.x selects them. */
  range(selector: Selector, windowMs: number): RangeSeries[];
  /**
   * The instant view as it was at `atMs` (PromQL `offset`): each tracked series' latest point in
   * [atMs - lookbackMs, atMs].
   */
  at(selector: Selector, atMs: number, lookbackMs: number): VectorElement[];
  seriesCount(): number;
}

export const seriesKey = (labels: Labels): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));

const regexCache = new Map<string, RegExp>();
function fullMatch(pattern: string, value: string): boolean {
  let re = regexCache.get(pattern);
  if (!re) {
    // PromQL regexes are anchored at both ends.
    re = new RegExp(`^(?:${pattern})$`);
    regexCache.set(pattern, re);
  }
  return re.test(value);
}

function matches(m: Matcher, labels: Labels): boolean {
  // A missing label matches as the empty string, as in PromQL.
  const v = labels[m.label] ?? '';
  switch (m.op) {
    case '=':
      return v === m.value;
    case '!=':
      return v !== m.value;
    case '=~':
      return fullMatch(m.value, v);
    case '!~':
      return !fullMatch(m.value, v);
  }
}

export const selects = (s: Selector, labels: Labels): boolean =>
  labels[NAME] === s.metric && (s.matchers ?? []).every((m) => matches(m, labels));

export function createSeriesStore(options: SeriesStoreOptions): SeriesStore {
  let now = 0;
  let current = new Map<string, VectorElement>();
  const history = new Map<string, { labels: Labels; points: Point[] }>();

  return {
    beginTick(nowMs) {
      now = nowMs;
      current = new Map();
      const oldest = nowMs - options.retentionMs;
      for (const [key, s] of history) {
        const firstKept = s.points.findIndex((p) => p.t >= oldest);
        if (firstKept === -1) history.delete(key);
        else if (firstKept > 0) s.points.splice(0, firstKept);
      }
    },
    add(samples) {
      for (const s of samples) {
        const labels = { ...s.labels, [NAME]: s.name };
        const key = seriesKey(labels);
        current.set(key, { labels, value: s.value });
        if (!options.trackedMetrics.has(s.name)) continue;
        let h = history.get(key);
        if (!h) history.set(key, (h = { labels, points: [] }));
        const last = h.points[h.points.length - 1];
        // Two samples for one series in one tick: the later one wins, as in a scrape.
        if (last?.t === now) h.points[h.points.length - 1] = { t: now, v: s.value };
        else h.points.push({ t: now, v: s.value });
        if (h.points.length > options.maxPointsPerSeries) h.points.shift();
      }
    },
    instant(selector) {
      return [...current.values()].filter((e) => selects(selector, e.labels));
    },
    range(selector, windowMs) {
      const from = now - windowMs;
      const out: RangeSeries[] = [];
      for (const s of history.values()) {
        if (!selects(selector, s.labels)) continue;
        const points = s.points.filter((p) => p.t >= from && p.t <= now);
        if (points.length > 0) out.push({ labels: s.labels, points });
      }
      return out;
    },
    at(selector, atMs, lookbackMs) {
      const out: VectorElement[] = [];
      for (const s of history.values()) {
        if (!selects(selector, s.labels)) continue;
        const p = s.points.findLast((x) => x.t >= atMs - lookbackMs && x.t <= atMs);
        if (p) out.push({ labels: s.labels, value: p.v });
      }
      return out;
    },
    seriesCount: () => history.size,
  };
}
