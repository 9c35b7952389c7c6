import { scaleLinear } from 'd3';

// The one graph layout of the console (flow map and causation graph): a layered, left-to-right
// layout in the Sugiyama style. d3 computes the scales; React renders the SVG. Cycles (a service
// both consuming and producing, a replay loop) are broken by reversing DFS back edges for the
// layering only; the edges are still drawn as they are.
//
// Kept hand-written rather than elkjs / d3-dag: for a shop-sized flow map (27 nodes, 29 edges,
// 9 layers) one synchronous layout takes ~0.1 ms on the 2-core CI machine, so it runs inside the
// render with no worker, no async state and no extra bundle; with `canonical` it is deterministic,
// which tests/e2e/22-flow-map.spec.ts checks load to load.

export interface LayoutEdge {
  readonly source: string;
  readonly target: string;
}

export interface NodePosition {
  readonly x: number;
  readonly y: number;
  readonly layer: number;
  readonly order: number;
}

export interface LayeredLayout {
  readonly positions: ReadonlyMap<string, NodePosition>;
  readonly width: number;
  readonly height: number;
  readonly layers: number;
}

export interface LayoutOptions {
  readonly layerGap: number;
  readonly nodeGap: number;
  readonly margin: number;
  /** Horizontal margin when nodes are wider than tall (defaults to `margin`). */
  readonly marginX?: number;
  /** Barycenter sweeps to reduce crossings; a few are enough for graphs this size. */
  readonly sweeps?: number;
  /**
   * Lay out from a canonical order (ids and edges sorted) rather than the order given: the same
   * graph then gets the same picture however its nodes arrive (the flow map's come from traffic
   * maps whose order changes from poll to poll). The causation graph keeps its time order.
   */
  readonly canonical?: boolean;
}

function layering(ids: readonly string[], edges: readonly LayoutEdge[]): Map<string, number> {
  const out = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges)
    if (out.has(e.source) && out.has(e.target) && e.source !== e.target) out.get(e.source)!.push(e.target);

  // Iterative DFS marks back edges (edges into a node still on the stack). Starting from the
  // sources (nothing flows into them) keeps the natural direction of the flow; in a pure cycle
  // the first listed node starts.
  const hasIn = new Set<string>();
  for (const targets of out.values()) for (const t of targets) hasIn.add(t);
  const roots = [...ids.filter((id) => !hasIn.has(id)), ...ids.filter((id) => hasIn.has(id))];
  const state = new Map<string, 0 | 1 | 2>();
  const dagOut = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const root of roots) {
    if (state.get(root)) continue;
    const stack: { id: string; i: number }[] = [{ id: root, i: 0 }];
    state.set(root, 1);
    while (stack.length) {
      const top = stack[stack.length - 1]!;
      const next = out.get(top.id)![top.i++];
      if (next === undefined) {
        state.set(top.id, 2);
        stack.pop();
        continue;
      }
      const s = state.get(next) ?? 0;
      if (s === 1) continue; // back edge: ignored for layering
      dagOut.get(top.id)!.push(next);
      if (s === 0) {
        state.set(next, 1);
        stack.push({ id: next, i: 0 });
      }
    }
  }

  // Longest path from the sources (Kahn's order) gives each node its layer.
  const indeg = new Map<string, number>(ids.map((id) => [id, 0]));
  for (const targets of dagOut.values()) for (const t of targets) indeg.set(t, indeg.get(t)! + 1);
  const layer = new Map<string, number>(ids.map((id) => [id, 0]));
  const queue = ids.filter((id) => indeg.get(id) === 0);
  for (let qi = 0; qi < queue.length; qi++) {
    const id = queue[qi]!;
    for (const t of dagOut.get(id)!) {
      layer.set(t, Math.max(layer.get(t)!, layer.get(id)! + 1));
      const d = indeg.get(t)! - 1;
      indeg.set(t, d);
      if (d === 0) queue.push(t);
    }
  }
  return layer;
}

const byText = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

export function layeredLayout(
  givenIds: readonly string[],
  givenEdges: readonly LayoutEdge[],
  opts: LayoutOptions,
): LayeredLayout {
  const ids = opts.canonical ? [...givenIds].sort(byText) : givenIds;
  const edges = opts.canonical
    ? [...givenEdges].sort((a, b) => byText(a.source, b.source) || byText(a.target, b.target))
    : givenEdges;
  const layerOf = layering(ids, edges);
  const layerCount = ids.length ? Math.max(...layerOf.values()) + 1 : 0;
  const layers: string[][] = Array.from({ length: layerCount }, () => []);
  for (const id of ids) layers[layerOf.get(id)!]!.push(id);

  const neighbours = new Map<string, string[]>(ids.map((id) => [id, []]));
  for (const e of edges) {
    if (!neighbours.has(e.source) || !neighbours.has(e.target)) continue;
    neighbours.get(e.source)!.push(e.target);
    neighbours.get(e.target)!.push(e.source);
  }
  const orderOf = new Map<string, number>();
  const index = () => layers.forEach((l) => l.forEach((id, i) => orderOf.set(id, i)));
  index();
  // Barycenter heuristic: each node moves to the mean position of its neighbours in the adjacent layer.
  const sweeps = opts.sweeps ?? 4;
  for (let s = 0; s < sweeps; s++) {
    const down = s % 2 === 0;
    const seq = down ? layers.slice(1) : layers.slice(0, -1).reverse();
    for (const layer of seq) {
      const li = layerOf.get(layer[0]!)!;
      const adjacent = down ? li - 1 : li + 1;
      const bary = new Map<string, number>();
      for (const id of layer) {
        const ns = neighbours.get(id)!.filter((n) => layerOf.get(n) === adjacent);
        bary.set(id, ns.length ? ns.reduce((a, n) => a + orderOf.get(n)!, 0) / ns.length : orderOf.get(id)!);
      }
      layer.sort((a, b) => bary.get(a)! - bary.get(b)! || orderOf.get(a)! - orderOf.get(b)! || byText(a, b));
      layer.forEach((id, i) => orderOf.set(id, i));
    }
  }

  const tallest = Math.max(1, ...layers.map((l) => l.length));
  const mx = opts.marginX ?? opts.margin;
  const x = scaleLinear()
    .domain([0, Math.max(1, layerCount - 1)])
    .range([mx, mx + Math.max(1, layerCount - 1) * opts.layerGap]);
  const height = opts.margin * 2 + (tallest - 1) * opts.nodeGap;
  const positions = new Map<string, NodePosition>();
  for (const [li, layer] of layers.entries()) {
    // Each layer is centred vertically so short layers sit in the middle of the flow.
    const offset = ((tallest - layer.length) * opts.nodeGap) / 2;
    layer.forEach((id, order) =>
      positions.set(id, { x: x(li), y: opts.margin + offset + order * opts.nodeGap, layer: li, order }),
    );
  }
  return {
    positions,
    width: mx * 2 + Math.max(0, layerCount - 1) * opts.layerGap,
    height,
    layers: layerCount,
  };
}

/** A smooth left-to-right link between two points (cubic Bézier), as an SVG path. */
/** Whether an edge runs against the left-to-right flow (a reply back to an earlier layer). */
export const isBackEdge = (x1: number, x2: number) => x2 <= x1;

export function linkPath(x1: number, y1: number, x2: number, y2: number): string {
  if (x2 <= x1) {
    // Back edge: loop below the nodes so it does not hide the forward flow.
    const dip = Math.max(y1, y2) + 40;
    return `M${x1},${y1} C${x1 + 60},${dip} ${x2 - 60},${dip} ${x2},${y2}`;
  }
  const mx = (x1 + x2) / 2;
  return `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
}
