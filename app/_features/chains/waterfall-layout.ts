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

export function hopSegments(hop: Hop, processSpan: Span | undefined): Segment[] {
  const processStart = processSpan
    ? Math.max(processSpan.startMs, hop.consumedAt ?? processSpan.startMs)
    : hop.consumedAt;
  const processEnd = hop.processedAt ?? processSpan?.endMs ?? null;
  const segments = [
    seg('produce', hop.producedAt, hop.brokerAt),
    seg('broker', hop.brokerAt, hop.consumedAt),
    processSpan ? seg('consume', hop.consumedAt, processStart) : null,
    seg('process', processStart, processEnd),
  ].filter(
    (s): s is Segment => s !== null && (s.end > s.start || s.kind === 'process' || s.kind === 'produce'),
  );
  // A record nobody consumed (yet) still has its moment of append: mark it, so no hop is blank.
  return segments.length > 0 ? segments : [{ kind: 'broker', start: hop.brokerAt, end: hop.brokerAt }];
}

export function buildWaterfall(
  chain: Pick<Chain, 'hops' | 'spans' | 'records' | 'anomalies' | 'startedAt' | 'endedAt'>,
): Waterfall {
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
