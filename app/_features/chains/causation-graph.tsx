'use client';

import { useMemo } from 'react';
import type { Chain } from '../../../lib/api/chains.ts';
import { layeredLayout, linkPath } from '../../_lib/layered-layout.ts';
import { truncate } from '../../_lib/format.ts';

/** Beyond this many records the graph is unreadable anyway; the waterfall still shows them all. */
export const GRAPH_NODE_LIMIT = 400;
const NODE_W = 150;
const NODE_H = 34;

const EDGE_CLASS: Record<string, string> = {
  causation: 'edge-causation',
  trace: 'edge-trace',
  link: 'edge-link',
  correlation: 'edge-correlation',
};

export function CausationGraph({
  chain,
  selected,
  onSelect,
}: {
  chain: Chain;
  selected: string | null;
  onSelect: (recordId: string) => void;
}) {
  const { nodes, edges, layout, anomalous } = useMemo(() => {
    const records = chain.records.slice(0, GRAPH_NODE_LIMIT);
    const ids = new Set(records.map((r) => r.id));
    // Correlation edges link everything to everything in a flow: they add noise, not structure.
    const es = chain.edges.filter((e) => ids.has(e.from) && ids.has(e.to) && e.kind !== 'correlation');
    const lay = layeredLayout(
      records.map((r) => r.id),
      es.map((e) => ({ source: e.from, target: e.to })),
      { layerGap: NODE_W + 50, nodeGap: NODE_H + 14, margin: 20 + NODE_H, marginX: NODE_W / 2 + 10 },
    );
    return {
      nodes: records,
      edges: es,
      layout: lay,
      anomalous: new Set(chain.anomalies.map((a) => a.recordId)),
    };
  }, [chain]);

  if (nodes.length === 0) return <p className="muted">No records in this chain to draw.</p>;
  const pos = layout.positions;
  return (
    <div className="scroll-x" data-testid="causation-graph">
      {chain.records.length > GRAPH_NODE_LIMIT ? (
        <p className="hint">
          Showing the first {GRAPH_NODE_LIMIT} of {chain.records.length} records; the waterfall has them all.
        </p>
      ) : null}
      <svg width={layout.width} height={layout.height + 40} role="group" aria-label="Causation graph">
        <defs>
          <marker
            id="arrow"
            viewBox="0 0 10 10"
            refX="10"
            refY="5"
            markerWidth="6"
            markerHeight="6"
            orient="auto-start-reverse"
          >
            <path d="M0,0 L10,5 L0,10 z" className="arrow-head" />
          </marker>
        </defs>
        {edges.map((e, i) => {
          const a = pos.get(e.from);
          const b = pos.get(e.to);
          if (!a || !b) return null;
          return (
            <path
              key={i}
              d={linkPath(a.x + NODE_W / 2, a.y, b.x - NODE_W / 2, b.y)}
              className={`edge ${EDGE_CLASS[e.kind] ?? ''}`}
              markerEnd="url(#arrow)"
            />
          );
        })}
        {nodes.map((r) => {
          const p = pos.get(r.id);
          if (!p) return null;
          const bad = anomalous.has(r.id) || r.isDlq;
          return (
            <g
              key={r.id}
              transform={`translate(${p.x - NODE_W / 2},${p.y - NODE_H / 2})`}
              className={`graph-node${selected === r.id ? ' selected' : ''}`}
              tabIndex={0}
              role="button"
              aria-label={`${r.ceType ?? r.topic} ${r.id}`}
              data-testid="graph-node"
              data-record-id={r.id}
              onClick={() => onSelect(r.id)}
              onKeyDown={(e) => e.key === 'Enter' && onSelect(r.id)}
            >
              <rect
                width={NODE_W}
                height={NODE_H}
                rx={6}
                className={`node-shape ${bad ? 'node-bad' : 'node-record'}`}
              />
              <text x={8} y={14} className="svg-text">
                {truncate(r.ceType ?? r.topic, 22)}
              </text>
              <text x={8} y={27} className="svg-muted">
                {truncate(r.topic, 24)}
              </text>
            </g>
          );
        })}
      </svg>
    </div>
  );
}
