'use client';

import { useRouter } from 'next/navigation';
import { useEffect, useMemo, useRef, useState } from 'react';
import type { Topology } from '../../../lib/api/topology.ts';
import { formatRate, truncate } from '../../_lib/format.ts';
import { isBackEdge, layeredLayout, linkPath } from '../../_lib/layered-layout.ts';
import { drillHref, edgeTone, edgeWidthScale, nodeTone } from './flow-style.ts';
import { FlowLegend } from './flow-legend.tsx';

const NODE_W = 150;
const NODE_H = 38;
const ZOOM_STEPS = [0.4, 0.5, 0.6, 0.75, 0.9, 1, 1.25, 1.5, 2];

/** The width the map's box offers, followed as the window resizes. */
function useBoxWidth() {
  const ref = useRef<HTMLDivElement>(null);
  const [width, setWidth] = useState(0);
  useEffect(() => {
    const el = ref.current;
    if (!el) return;
    const ro = new ResizeObserver(([entry]) => setWidth(entry?.contentRect.width ?? 0));
    ro.observe(el);
    return () => ro.disconnect();
  }, []);
  return { ref, width };
}

/** Drag-to-pan on the scrolling box (pointer capture; a click without movement still selects). */
function usePan(box: React.RefObject<HTMLDivElement | null>) {
  const drag = useRef<{ x: number; y: number; left: number; top: number; moved: boolean } | null>(null);
  return {
    onPointerDown: (e: React.PointerEvent) => {
      const el = box.current;
      if (!el || e.button !== 0) return;
      drag.current = { x: e.clientX, y: e.clientY, left: el.scrollLeft, top: el.scrollTop, moved: false };
    },
    onPointerMove: (e: React.PointerEvent) => {
      const el = box.current;
      const d = drag.current;
      if (!el || !d) return;
      const dx = e.clientX - d.x;
      const dy = e.clientY - d.y;
      if (!d.moved && Math.hypot(dx, dy) < 4) return;
      d.moved = true;
      el.scrollLeft = d.left - dx;
      el.scrollTop = d.top - dy;
    },
    onPointerUp: () => {
      drag.current = null;
    },
  };
}

/**
 * Services → topics → consumer groups → services, as observed in traffic. A layered layout from
 * a canonical order (the same map on every load), scaled to fit the box, with zoom, pan and a
 * legend. Edges that run back to an earlier layer (replies to the orchestrator) are dashed.
 */
export function FlowMap({
  topology,
  selected,
  onSelect,
}: {
  topology: Topology;
  selected: string | null;
  onSelect: (id: string | null) => void;
}) {
  const router = useRouter();
  const { ref: box, width: boxWidth } = useBoxWidth();
  const pan = usePan(box);
  const [zoomChoice, setZoom] = useState<number | 'fit'>('fit');
  const { layout, width, byId } = useMemo(() => {
    const lay = layeredLayout(
      topology.nodes.map((n) => n.id),
      topology.edges.map((e) => ({ source: e.source, target: e.target })),
      {
        layerGap: NODE_W + 46,
        nodeGap: NODE_H + 20,
        margin: NODE_H + 10,
        marginX: NODE_W / 2 + 10,
        canonical: true,
      },
    );
    return {
      layout: lay,
      width: edgeWidthScale(topology.edges),
      byId: new Map(topology.nodes.map((n) => [n.id, n])),
    };
  }, [topology]);
  const pos = layout.positions;
  const svgHeight = layout.height + 60;
  // Fit means the whole map in view, however wide; zoom in (and pan) to read a part of it.
  const fit = boxWidth > 0 ? Math.min(1, boxWidth / layout.width) : 1;
  const zoom = zoomChoice === 'fit' ? fit : zoomChoice;
  const step = (dir: 1 | -1) => {
    const next =
      dir > 0
        ? ZOOM_STEPS.find((z) => z > zoom + 0.001)
        : [...ZOOM_STEPS].reverse().find((z) => z < zoom - 0.001);
    if (next !== undefined) setZoom(next);
  };
  const neighbours = useMemo(() => {
    if (!selected) return null;
    const set = new Set<string>([selected]);
    for (const e of topology.edges) {
      if (e.source === selected) set.add(e.target);
      if (e.target === selected) set.add(e.source);
    }
    return set;
  }, [selected, topology.edges]);

  return (
    <div className="flow-map" data-testid="flow-map">
      <div className="row flow-toolbar" role="toolbar" aria-label="Flow map zoom">
        <button
          type="button"
          className="btn btn-outline"
          aria-label="Zoom out"
          data-testid="flow-zoom-out"
          onClick={() => step(-1)}
        >
          −
        </button>
        <span className="mono" data-testid="flow-zoom" data-zoom={zoom.toFixed(2)}>
          {Math.round(zoom * 100)}%
        </span>
        <button
          type="button"
          className="btn btn-outline"
          aria-label="Zoom in"
          data-testid="flow-zoom-in"
          onClick={() => step(1)}
        >
          +
        </button>
        <button
          type="button"
          className={`btn ${zoomChoice === 'fit' ? 'btn-primary' : 'btn-outline'}`}
          data-testid="flow-zoom-fit"
          aria-pressed={zoomChoice === 'fit'}
          onClick={() => setZoom('fit')}
        >
          Fit
        </button>
        <button
          type="button"
          className="btn btn-outline"
          data-testid="flow-zoom-reset"
          onClick={() => setZoom(1)}
        >
          100%
        </button>
        <span className="muted">Drag to pan.</span>
      </div>
      <div ref={box} className="flow-box" data-testid="flow-box" {...pan}>
        <svg
          width={layout.width * zoom}
          height={svgHeight * zoom}
          viewBox={`0 0 ${layout.width} ${svgHeight}`}
          role="group"
          aria-label="Flow map"
          data-testid="flow-svg"
        >
          {topology.edges.map((e, i) => {
            const a = pos.get(e.source);
            const b = pos.get(e.target);
            if (!a || !b) return null;
            const dim = neighbours && !(neighbours.has(e.source) && neighbours.has(e.target));
            const back = isBackEdge(a.x + NODE_W / 2, b.x - NODE_W / 2);
            return (
              <path
                key={i}
                d={linkPath(a.x + NODE_W / 2, a.y, b.x - NODE_W / 2, b.y)}
                className={`flow-edge flow-${edgeTone(e, byId.get(e.target))}${back ? ' flow-back' : ''}${dim ? ' dim' : ''}`}
                strokeWidth={width(e.ratePerSec)}
                data-testid="flow-edge"
                data-back={back ? 'true' : 'false'}
              >
                <title>
                  {`${byId.get(e.source)?.label ?? e.source} → ${byId.get(e.target)?.label ?? e.target}: ${formatRate(e.ratePerSec)}, errors ${(e.errorRate * 100).toFixed(1)}%${e.lagStatus ? `, lag ${e.lagStatus}` : ''}${back ? ' (runs back to an earlier step)' : ''}`}
                </title>
              </path>
            );
          })}
          {topology.nodes.map((n) => {
            const p = pos.get(n.id);
            if (!p) return null;
            const dim = neighbours && !neighbours.has(n.id);
            return (
              <g
                key={n.id}
                transform={`translate(${p.x - NODE_W / 2},${p.y - NODE_H / 2})`}
                className={`graph-node${selected === n.id ? ' selected' : ''}${dim ? ' dim' : ''}`}
                tabIndex={0}
                role="button"
                data-testid="flow-node"
                data-kind={n.kind}
                data-label={n.label}
                data-x={Math.round(p.x)}
                data-y={Math.round(p.y)}
                onClick={() => onSelect(selected === n.id ? null : n.id)}
                onKeyDown={(e) => {
                  if (e.key === 'Enter') router.push(drillHref(n, topology.edges, topology.nodes));
                  if (e.key === 'Escape') onSelect(null);
                }}
              >
                {/* The full name (the visible one may be cut short) and kind, for every reader. */}
                <title>{`${n.label} (${n.kind}${n.isDlq ? ', dead-letter topic' : ''})`}</title>
                <rect
                  width={NODE_W}
                  height={NODE_H}
                  rx={n.kind === 'service' ? 10 : n.kind === 'group' ? NODE_H / 2 : 2}
                  className={`node-shape node-${n.kind} tone-${nodeTone(n)}`}
                />
                <text x={10} y={15} className="svg-text">
                  {truncate(n.label, 22)}
                </text>
                <text x={10} y={29} className="svg-muted">
                  {n.kind}
                  {n.isDlq ? ' · DLQ' : ''} · {formatRate(n.ratePerSec)}
                  {n.lagStatus && n.lagStatus !== 'OK' ? ` · ${n.lagStatus}` : ''}
                </text>
              </g>
            );
          })}
        </svg>
      </div>
      <FlowLegend />
    </div>
  );
}
