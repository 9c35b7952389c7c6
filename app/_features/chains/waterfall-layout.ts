import { scaleLinear, type ScaleLinear } from 'd3';
import type { Chain, Hop, Span } from '../../../lib/api/chains.ts';

// The chain waterfall as data: one row per hop (a record from produce to processed) and per span,
// on one time axis. Per hop the segments are produce (send → broker append), broker (append →
// consumer fetch), consume (fetch → processing starts, when a process span says so) and process
// (→ processed). Pure and O(rows), so a 5,000-row chain lays out in milliseconds; only the visible
// rows are rendered.

export type SegmentKind = 'produce' | 'broker' | 'consume' | 'process' | 'span';

export interface Segment {
  readonly kind: SegmentKind;
  readonly start: number;
  readonly end: number;
}

export interface WaterfallRow {
  readonly id: string;
  readonly kind: 'hop' | 'span';
  readonly label: string;
  readonly detail: string;
  readonly depth: number;
  readonly start: number;
  readonly end: number;
  readonly segments: readonly Segment[];
  readonly error: boolean;
  readonly anomalies: readonly string[];
  readonly recordId: string | null;
  /** Hop rows: milliseconds per phase. */
  readonly phases: HopPhases | null;
  /** Span rows: the span, for the detail panel. */
  readonly span: Span | null;
  readonly critical: boolean;
}

export interface Waterfall {
  readonly rows: readonly WaterfallRow[];
  readonly t0: number;
  readonly t1: number;
}

function seg(kind: SegmentKind, start: number | null, end: number | null): Segment | null {
  if (start === null || end === null || !Number.isFinite(start) || !Number.isFinite(end) || end < start)
    return null;
  return { kind, start, end };
}

/** Milliseconds per phase of a hop; null where the phase was not observed (shown as n/a, never 0). */
export interface HopPhases {
  readonly produce: number | null;
  readonly broker: number | null;
  readonly consume: number | null;
  readonly process: number | null;
}

const span = (a: number | null, b: number | null) =>
  a === null || b === null || !Number.isFinite(a) || !Number.isFinite(b) || b < a ? null : b - a;

function processBounds(hop: Hop, processSpan: Span | undefined) {
  const start = processSpan
    ? Math.max(processSpan.startMs, hop.consumedAt ?? processSpan.startMs)
    : hop.consumedAt;
  return { start, end: hop.processedAt ?? processSpan?.endMs ?? null };
}

/**
 * Produce → broker needs a broker clock: the append time (LogAppendTime) or the producer's ack.
 * A CreateTime is the producer's own clock, so with it the phase is unknown, not 0.
 */
export function hopPhases(hop: Hop, processSpan: Span | undefined): HopPhases {
  const p = processBounds(hop, processSpan);
  return {
    produce: hop.brokerAtSource === 'create_time' ? null : span(hop.producedAt, hop.brokerAt),
    broker: span(hop.brokerAt, hop.consumedAt),
    consume: processSpan ? span(hop.consumedAt, p.start) : null,
    process: span(p.start, p.end),
  };
}

const ms = (v: number | null) => (v === null ? 'n/a' : `${Math.round(v * 10) / 10} ms`);

/** "produce 2 ms · broker 11 ms · consume 0 ms · process 18 ms" (phases after an unconsumed record left out). */
export function phasesText(p: HopPhases): string {
  const parts = [`produce ${ms(p.produce)}`, `broker ${ms(p.broker)}`];
  if (p.consume !== null) parts.push(`consume ${ms(p.consume)}`);
  if (p.process !== null || p.broker !== null) parts.push(`process ${ms(p.process)}`);
  return parts.join(' · ');
}

export function hopSegments(hop: Hop, processSpan: Span | undefined): Segment[] {
  const p = processBounds(hop, processSpan);
  const segments = [
    hop.brokerAtSource === 'create_time' ? null : seg('produce', hop.producedAt, hop.brokerAt),
    seg('broker', hop.brokerAt, hop.consumedAt),
    processSpan ? seg('consume', hop.consumedAt, p.start) : null,
    seg('process', p.start, p.end),
  ].filter(
    (s): s is Segment => s !== null && (s.end > s.start || s.kind === 'process' || s.kind === 'produce'),
  );
  // A record nobody consumed (yet) still has its moment of append: mark it, so no hop is blank.
  return segments.length > 0 ? segments : [{ kind: 'broker', start: hop.brokerAt, end: hop.brokerAt }];
}

/**
 * The critical path: from the hop that ends last, back along causation edges, each time to the
 * cause that finished latest — the records whose delays the flow's end-to-end time is made of.
 */
export function criticalPath(chain: Pick<Chain, 'hops'> & Partial<Pick<Chain, 'edges'>>): Set<string> {
  const endOf = new Map<string, number>();
  for (const h of chain.hops) {
    const end = h.processedAt ?? h.consumedAt ?? h.brokerAt;
    endOf.set(h.recordId, Math.max(endOf.get(h.recordId) ?? -Infinity, end));
  }
  const causes = new Map<string, string[]>();
  for (const e of chain.edges ?? [])
    if (e.kind === 'causation' && endOf.has(e.from) && endOf.has(e.to))
      causes.set(e.to, [...(causes.get(e.to) ?? []), e.from]);
  let current = [...endOf.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  const path = new Set<string>();
  // Bounded: a causation cycle in bad data must not hang the page.
  while (current && !path.has(current) && path.size < 10_000) {
    path.add(current);
    const prev = (causes.get(current) ?? []).sort((a, b) => endOf.get(b)! - endOf.get(a)!)[0];
    current = prev;
  }
  return path;
}

export function buildWaterfall(
  chain: Pick<Chain, 'hops' | 'spans' | 'records' | 'anomalies' | 'startedAt' | 'endedAt'> &
    Partial<Pick<Chain, 'edges'>>,
): Waterfall {
  const critical = criticalPath(chain);
  const recordById = new Map(chain.records.map((r) => [r.id, r]));
  const anomaliesByRecord = new Map<string, string[]>();
  for (const a of chain.anomalies) {
    const list = anomaliesByRecord.get(a.recordId) ?? [];
    list.push(a.kind);
    anomaliesByRecord.set(a.recordId, list);
  }
  const spansByRecord = new Map<string, Span[]>();
  const loose: Span[] = [];
  for (const s of chain.spans) {
    if (s.recordId && recordById.has(s.recordId)) {
      const list = spansByRecord.get(s.recordId) ?? [];
      list.push(s);
      spansByRecord.set(s.recordId, list);
    } else loose.push(s);
  }
  const spanById = new Map(chain.spans.map((s) => [s.spanId, s]));
  const depthOf = (s: Span): number => {
    let d = 0;
    let p = s.parentSpanId ? spanById.get(s.parentSpanId) : undefined;
    // Bounded walk: a malformed trace with a parent cycle must not hang the page.
    while (p && d < 16) {
      d++;
      p = p.parentSpanId ? spanById.get(p.parentSpanId) : undefined;
    }
    return d;
  };
  const spanRow = (s: Span, base: number): WaterfallRow => ({
    id: `span:${s.traceId}:${s.spanId}`,
    kind: 'span',
    label: s.name,
    detail: `${s.service} · ${s.kind}`,
    depth: base + Math.min(depthOf(s), 4),
    start: s.startMs,
    end: Math.max(s.endMs, s.startMs),
    segments: [{ kind: 'span', start: s.startMs, end: Math.max(s.endMs, s.startMs) }],
    error: s.status === 'error',
    anomalies: [],
    recordId: s.recordId,
    phases: null,
    span: s,
    critical: false,
  });

  type Entry = { at: number; rows: WaterfallRow[] };
  const entries: Entry[] = [];
  const hopsSorted = [...chain.hops].sort(
    (a, b) => (a.producedAt ?? a.brokerAt) - (b.producedAt ?? b.brokerAt),
  );
  // A record consumed by several groups has one hop per group. Each of its spans is shown once:
  // a consumer span under the hop of its group (or service), everything else under the first hop.
  const spansByHop = new Map<Hop, Span[]>();
  const hopsByRecord = new Map<string, Hop[]>();
  for (const hop of hopsSorted) {
    const list = hopsByRecord.get(hop.recordId) ?? [];
    list.push(hop);
    hopsByRecord.set(hop.recordId, list);
    spansByHop.set(hop, []);
  }
  for (const [recordId, spans] of spansByRecord) {
    const hops = hopsByRecord.get(recordId);
    if (!hops?.length) {
      loose.push(...spans);
      continue;
    }
    for (const s of spans) {
      const group = s.attributes['messaging.consumer.group.name'];
      const owner =
        (s.kind === 'consumer' &&
          (hops.find((h) => h.consumerGroup !== null && h.consumerGroup === group) ??
            hops.find((h) => h.consumer === s.service))) ||
        hops[0]!;
      spansByHop.get(owner)!.push(s);
    }
  }
  for (const hop of hopsSorted) {
    const spans = spansByHop.get(hop)!.sort((a, b) => a.startMs - b.startMs);
    const processSpan = spans.find((s) => s.kind === 'consumer');
    const segments = hopSegments(hop, processSpan);
    const rec = recordById.get(hop.recordId);
    const start = Math.min(...segments.map((s) => s.start), hop.brokerAt);
    const end = Math.max(...segments.map((s) => s.end), hop.brokerAt);
    const rows: WaterfallRow[] = [
      {
        id: `hop:${hop.recordId}:${hop.consumerGroup ?? ''}`,
        kind: 'hop',
        label: rec?.ceType ?? hop.topic,
        detail: `${hop.topic}${hop.producer ? ` · ${hop.producer}` : ''}${hop.consumerGroup ? ` → ${hop.consumerGroup}` : ''}`,
        depth: 0,
        start,
        end,
        segments,
        error: Boolean(rec?.isDlq),
        anomalies: anomaliesByRecord.get(hop.recordId) ?? [],
        recordId: hop.recordId,
        phases: hopPhases(hop, processSpan),
        span: null,
        critical: critical.has(hop.recordId),
      },
      ...spans.map((s) => spanRow(s, 1)),
    ];
    entries.push({ at: start, rows });
  }
  for (const s of loose) entries.push({ at: s.startMs, rows: [spanRow(s, 0)] });
  entries.sort((a, b) => a.at - b.at);
  const rows = entries.flatMap((e) => e.rows);

  let t0 = chain.startedAt;
  let t1 = chain.endedAt;
  for (const r of rows) {
    if (r.start < t0) t0 = r.start;
    if (r.end > t1) t1 = r.end;
  }
  if (t1 <= t0) t1 = t0 + 1;
  return { rows, t0, t1 };
}

export function timeScale(t0: number, t1: number, width: number): ScaleLinear<number, number> {
  return scaleLinear()
    .domain([t0, t1])
    .range([0, Math.max(1, width)]);
}

/** Pixel rectangles of a row's segments; at least 2 px wide so an instant is still visible. */
export function segmentRects(
  row: WaterfallRow,
  scale: ScaleLinear<number, number>,
): { kind: SegmentKind; x: number; width: number }[] {
  return row.segments.map((s) => {
    const x = scale(s.start);
    return { kind: s.kind, x, width: Math.max(2, scale(s.end) - x) };
  });
}
