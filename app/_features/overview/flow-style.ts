import { scaleSqrt } from 'd3';
import type { z } from 'zod';
import type { topologyEdgeSchema, topologyNodeSchema } from '../../../lib/api/topology.ts';

// How the flow map encodes health: edge width is throughput (square-root scale, so one hot topic
// does not make the rest hairlines), colour is the worst of error rate, dead letters and lag.

export type TopologyNode = z.infer<typeof topologyNodeSchema>;
export type TopologyEdge = z.infer<typeof topologyEdgeSchema>;
export type FlowTone = 'ok' | 'warn' | 'bad' | 'idle';

/** Error ratio at which a flow is drawn red; any error at all makes it amber. */
export const ERROR_RATE_BAD = 0.05;

export function edgeTone(edge: TopologyEdge, target: TopologyNode | undefined): FlowTone {
  if (edge.errorRate >= ERROR_RATE_BAD || target?.isDlq) return 'bad';
  if (edge.lagStatus === 'STALL' || edge.lagStatus === 'STOP' || edge.lagStatus === 'REWIND') return 'bad';
  if (edge.errorRate > 0 || edge.lagStatus === 'WARN') return 'warn';
  if (edge.ratePerSec <= 0) return 'idle';
  return 'ok';
}

export function nodeTone(node: TopologyNode): FlowTone {
  if (node.isDlq && node.ratePerSec > 0) return 'bad';
  if (node.lagStatus === 'STALL' || node.lagStatus === 'STOP' || node.lagStatus === 'REWIND') return 'bad';
  if (node.lagStatus === 'WARN' || node.isDlq) return 'warn';
  return node.ratePerSec > 0 ? 'ok' : 'idle';
}

export function edgeWidthScale(edges: readonly TopologyEdge[]) {
  const max = Math.max(0, ...edges.map((e) => e.ratePerSec));
  return scaleSqrt()
    .domain([0, max > 0 ? max : 1])
    .range([1.2, 10])
    .clamp(true);
}

/** Where clicking through a node leads. */
export function drillHref(
  node: TopologyNode,
  edges: readonly TopologyEdge[],
  nodes: readonly TopologyNode[],
): string {
  const q = encodeURIComponent;
  switch (node.kind) {
    case 'topic':
      return node.isDlq ? `/dlq?dlqTopic=${q(node.label)}` : `/tail?topics=${q(node.label)}`;
    case 'group':
      return `/consumers?group=${q(node.label)}`;
    case 'service': {
      const label = new Map(nodes.map((n) => [n.id, n.label]));
      const produced = edges
        .filter((e) => e.source === node.id && e.kind === 'produces')
        .map((e) => label.get(e.target) ?? e.target);
      return produced.length ? `/tail?topics=${q(produced.join(','))}` : '/tail';
    }
  }
}

/** Nodes with no traffic in the window and nothing wrong: hidden by default to keep the map legible. */
export function isIdle(node: TopologyNode): boolean {
  return node.ratePerSec <= 0 && !node.isDlq && (node.lagStatus === null || node.lagStatus === 'OK');
}

export function visibleTopology<T extends { nodes: TopologyNode[]; edges: TopologyEdge[] }>(
  t: T,
  showIdle: boolean,
): { topology: T; hidden: number } {
  if (showIdle) return { topology: t, hidden: 0 };
  const nodes = t.nodes.filter((n) => !isIdle(n));
  const keep = new Set(nodes.map((n) => n.id));
  return {
    topology: { ...t, nodes, edges: t.edges.filter((e) => keep.has(e.source) && keep.has(e.target)) },
    hidden: t.nodes.length - nodes.length,
  };
}
