'use client';

import { useMemo, useState } from 'react';
import type { Chain } from '../../../lib/api/chains.ts';
import { formatDuration } from '../../_lib/format.ts';
import { useElementWidth } from '../../_lib/use-viewport.ts';
import { VirtualList } from '../../_components/virtual-list.tsx';
import {
  phasesText,
  segmentRects,
  timeScale,
  type SegmentKind,
  type Waterfall as WaterfallData,
} from './waterfall-layout.ts';

const ROW_H = 24;
const LABEL_W = 320;
const MAX_HEIGHT = 620;

const SEGMENT_LABEL: Record<SegmentKind, string> = {
  produce: 'produce → broker',
  broker: 'in the log (broker → consumer)',
  consume: 'consume → processing',
  process: 'process',
  span: 'span',
};

/** `traceId:spanId`, how the span detail panel is addressed in the URL. */
export const spanKey = (s: { traceId: string; spanId: string }) => `${s.traceId}:${s.spanId}`;

const PHASES_W = 330;

export function Waterfall({
  chain,
  wf,
  selected,
  onSelect,
  onSelectSpan,
}: {
  chain: Chain;
  wf: WaterfallData;
  selected: string | null;
  onSelect: (recordId: string) => void;
  onSelectSpan: (key: string) => void;
}) {
  const [setContainer, width] = useElementWidth<HTMLDivElement>(1000);
  const barWidth = Math.max(200, width - LABEL_W - 40);
  const scale = useMemo(() => timeScale(wf.t0, wf.t1, barWidth), [wf.t0, wf.t1, barWidth]);
  const ticks = scale.ticks(6);
  const [active, setActive] = useState<number | null>(null);
  const hops = wf.rows.filter((r) => r.kind === 'hop').length;
  const critical = wf.rows.filter((r) => r.critical).length;
  const height = Math.min(MAX_HEIGHT, Math.max(ROW_H * 2, wf.rows.length * ROW_H + 2));

  return (
    <div ref={setContainer} data-testid="waterfall">
      <div
        className="row muted"
        data-testid="waterfall-summary"
        data-hops={hops}
        data-rows={wf.rows.length}
        data-duration-ms={Math.round(wf.t1 - wf.t0)}
      >
        {hops} hops ({chain.records.length} records; one hop per record and consuming group) ·{' '}
        {wf.rows.length - hops} spans · {formatDuration(wf.t1 - wf.t0)} first produce → last processed ·{' '}
        <span data-testid="critical-path-summary">{critical} hops on the critical path</span>
        <span className="legend">
          <span className="legend-item">
            <svg width="10" height="10" aria-hidden="true">
              <rect width="10" height="10" className="wf-critical-mark" />
            </svg>
            critical path
          </span>
          {(['produce', 'broker', 'consume', 'process', 'span'] as const).map((k) => (
            <span key={k} className="legend-item">
              <svg width="10" height="10" aria-hidden="true">
                <rect width="10" height="10" className={`seg seg-${k}`} />
              </svg>
              {SEGMENT_LABEL[k]}
            </span>
          ))}
        </span>
      </div>
      <div className="wf-axis" aria-hidden="true">
        <div style={{ width: LABEL_W }} />
        <svg width={barWidth} height={20}>
          {ticks.map((t) => (
            <g key={t} transform={`translate(${scale(t)},0)`}>
              <line y1={14} y2={20} className="svg-grid" />
              <text y={11} textAnchor="middle" className="svg-muted">
                +{formatDuration(t - wf.t0)}
              </text>
            </g>
          ))}
        </svg>
      </div>
      <VirtualList
        testid="waterfall-list"
        label="Chain waterfall"
        count={wf.rows.length}
        rowHeight={ROW_H}
        height={height}
        activeIndex={active}
        onActivate={setActive}
        onOpen={(i) => {
          const row = wf.rows[i];
          if (row?.span) onSelectSpan(spanKey(row.span));
          else if (row?.recordId) onSelect(row.recordId);
        }}
        renderRow={(i) => {
          const row = wf.rows[i]!;
          const isSel = row.recordId !== null && row.recordId === selected && row.kind === 'hop';
          return (
            <>
              <div
                className={`wf-label${row.kind === 'span' ? ' muted' : ''}${isSel ? ' wf-selected' : ''}${row.critical ? ' wf-critical' : ''}`}
                data-critical={row.critical ? 'true' : undefined}
                style={{ width: LABEL_W, paddingLeft: row.depth * 14 }}
                title={`${row.label} — ${row.detail}`}
                data-testid={row.kind === 'hop' ? 'waterfall-hop' : 'waterfall-span'}
                data-record-id={row.recordId ?? ''}
              >
                {row.error ? <span className="wf-flag wf-flag-bad">DLQ</span> : null}
                {row.anomalies.map((a) => (
                  <span key={a} className="wf-flag wf-flag-warn" data-testid="waterfall-anomaly" title={a}>
                    {a.replace('_', ' ')}
                  </span>
                ))}
                <span className={row.kind === 'hop' ? 'wf-name' : ''}>{row.label}</span>{' '}
                <span className="muted">{row.detail}</span>
              </div>
              <svg width={barWidth} height={ROW_H} aria-hidden="true">
                {ticks.map((t) => (
                  <line key={t} x1={scale(t)} x2={scale(t)} y1={0} y2={ROW_H} className="svg-grid" />
                ))}
                {segmentRects(row, scale).map((r, j) => (
                  <rect
                    key={j}
                    x={r.x}
                    y={row.kind === 'hop' ? 5 : 8}
                    width={r.width}
                    height={row.kind === 'hop' ? 14 : 8}
                    rx={2}
                    className={`seg seg-${r.kind}${row.error && row.kind === 'span' ? ' seg-error' : ''}`}
                  >
                    <title>{SEGMENT_LABEL[r.kind]}</title>
                  </rect>
                ))}
                {row.phases ? (
                  <PhaseText
                    rects={segmentRects(row, scale)}
                    width={barWidth}
                    text={phasesText(row.phases)}
                  />
                ) : null}
              </svg>
            </>
          );
        }}
      />
    </div>
  );
}

/**
 * Per-phase milliseconds beside the hop's bar, on whichever side has more room (the whole text is
 * also the hover title, for a narrow waterfall that cuts it).
 */
function PhaseText({
  rects,
  width,
  text,
}: {
  rects: { x: number; width: number }[];
  width: number;
  text: string;
}) {
  const end = Math.max(...rects.map((r) => r.x + r.width));
  const start = Math.min(...rects.map((r) => r.x));
  const after = end + 6 + PHASES_W <= width || width - end >= start;
  return (
    <text
      x={after ? end + 6 : start - 6}
      y={16}
      textAnchor={after ? 'start' : 'end'}
      className="svg-muted wf-phases"
      data-testid="hop-phases"
    >
      <title>{text}</title>
      {text}
    </text>
  );
}
