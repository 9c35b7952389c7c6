'use client';

import { useRouter } from 'next/navigation';
import { useMemo } from 'react';
import type { Topology } from '../../../lib/api/topology.ts';
import { formatRate, truncate } from '../../_lib/format.ts';
import { layeredLayout, linkPath } from '../../_lib/layered-layout.ts';
import { drillHref, edgeTone, edgeWidthScale, nodeTone } from './flow-style.ts';

const NODE_W = 160;
const NODE_H = 38;

/**
 * Services → topics → consumer groups → services, as observed in traffic. Layout and scales by
 * d3 (shared layered layout), elements by React.
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
  const { layout, width, byId } = useMemo(() => {
    const lay = layeredLayout(
      topology.nodes.map((n) => n.id),
      topology.edges.map((e) => ({ source: e.source, target: e.target })),
      { layerGap: NODE_W + 70, nodeGap: NODE_H + 22, margin: NODE_H + 10, marginX: NODE_W / 2 + 10 },
    );
    return {
      layout: lay,
      width: edgeWidthScale(topology.edges),
      byId: new Map(topology.nodes.map((n) => [n.id, n])),
    };
  }, [topology]);
  const pos = layout.positions;
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
    <div className="scroll-x" data-testid="flow-map">
      <svg width={layout.width} height={layout.height + 60} role="group" aria-label="Flow map">
        {topology.edges.map((e, i) => {
          const a = pos.get(e.source);
          const b = pos.get(e.target);
          if (!a || !b) return null;
          const dim = neighbours && !(neighbours.has(e.source) && neighbours.has(e.target));
          return (
            <path
              key={i}
              d={linkPath(a.x + NODE_W / 2, a.y, b.x - NODE_W / 2, b.y)}
              className={`flow-edge flow-${edgeTone(e, byId.get(e.target))}${dim ? ' dim' : ''}`}
              strokeWidth={width(e.ratePerSec)}
              data-testid="flow-edge"
            >
              <title>
                {`${byId.get(e.source)?.label ?? e.source} → ${byId.get(e.target)?.label ?? e.target}: ${formatRate(e.ratePerSec)}, errors ${(e.errorRate * 100).toFixed(1)}%${e.lagStatus ? `, lag ${e.lagStatus}` : ''}`}
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
              aria-label={`${n.kind} ${n.label}`}
              data-testid="flow-node"
              data-kind={n.kind}
              data-label={n.label}
              onClick={() => onSelect(selected === n.id ? null : n.id)}
              onKeyDown={(e) => {
                if (e.key === 'Enter') router.push(drillHref(n, topology.edges, topology.nodes));
                if (e.key === 'Escape') onSelect(null);
              }}
            >
              <rect
                width={NODE_W}
                height={NODE_H}
                rx={n.kind === 'service' ? 10 : n.kind === 'group' ? NODE_H / 2 : 2}
                className={`node-shape node-${n.kind} tone-${nodeTone(n)}`}
              />
              <text x={10} y={15} className="svg-text">
                {truncate(n.label, 24)}
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
  );
}
