import type { LagStatus } from '../../lib/api/consumers.ts';
import type { Topology } from '../../lib/api/topology.ts';
import type { LagView } from '../api/context.ts';
import type { TrafficCounter } from './traffic.ts';

// The flow map: service -> topic (produces), topic -> consumer group (consumed_by), group ->
// service (runs), from recent traffic. Producers come from CloudEvents `ce_source` and from send
// spans; groups and their topics from the lag monitor; which service runs a group from process
// spans (`messaging.consumer.group.name` + service.name). Rates are per second over the window;
// error rates are dead letters (per origin topic and group) or error spans per record.

const RANK: Record<LagStatus, number> = { OK: 0, WARN: 1, STALL: 2, STOP: 2, REWIND: 2 };
const worst = (xs: LagStatus[]): LagStatus | null =>
  xs.length ? xs.reduce((a, b) => (RANK[b] > RANK[a] ? b : a)) : null;

export function buildTopology(deps: {
  traffic: TrafficCounter;
  lag: LagView | undefined;
  now: number;
  windowMs: number;
  ownGroup: string;
  isDlqTopic: (t: string) => boolean;
}): Topology {
  const { traffic, now, windowMs } = deps;
  const since = now - windowMs;
  const secs = windowMs / 1000;
  type Node = Topology['nodes'][number];
  type Edge = Topology['edges'][number];
  const nodes = new Map<string, Node>();
  const edges = new Map<string, Edge>();
  const node = (kind: Node['kind'], label: string, patch: Partial<Node> = {}) => {
    const id = `${kind}:${label}`;
    const n = nodes.get(id) ?? {
      id,
      kind,
      label,
      ratePerSec: 0,
      isDlq: kind === 'topic' && deps.isDlqTopic(label),
      lagStatus: null,
    };
    nodes.set(id, { ...n, ...patch });
    return id;
  };
  const edge = (source: string, target: string, kind: Edge['kind'], patch: Partial<Edge>) => {
    const k = `${source}>${target}`;
    const e = edges.get(k) ?? { source, target, kind, ratePerSec: 0, errorRate: 0, lagStatus: null };
    edges.set(k, { ...e, ...patch });
  };

  const topicCount = new Map<string, number>();
  const producers = traffic.producers(since);
  // Send spans name the producing service as its tracer does (service.name); ce_source names it
  // however the producer chose (often a URI). Where spans exist for a topic they win, so one
  // service does not show up twice under two names.
  const tracedTopics = new Set(producers.map((p) => p.topic));
  for (const t of traffic.traffic(since)) {
    topicCount.set(t.topic, (topicCount.get(t.topic) ?? 0) + t.count);
    const topic = node('topic', t.topic, {
      ratePerSec: (topicCount.get(t.topic) ?? 0) / secs,
      isDlq: t.isDlq || deps.isDlqTopic(t.topic),
    });
    if (t.source && !tracedTopics.has(t.topic))
      edge(node('service', t.source), topic, 'produces', { ratePerSec: t.count / secs });
  }
  for (const p of producers) {
    const topic = node('topic', p.topic);
    const svc = node('service', p.service);
    const prev = edges.get(`${svc}>${topic}`);
    edge(svc, topic, 'produces', {
      ratePerSec: Math.max(prev?.ratePerSec ?? 0, p.count / secs),
      errorRate: p.count ? p.errors / p.count : 0,
    });
  }

  const dead = new Map<string, number>();
  for (const d of traffic.dlqTraffic(since))
    if (d.originTopic) dead.set(`${d.originTopic}\u0000${d.originGroup ?? ''}`, d.count);
  const errorRate = (topic: string, group: string) => {
    const n = topicCount.get(topic) ?? 0;
    const failed = (dead.get(`${topic}\u0000${group}`) ?? 0) + (dead.get(`${topic}\u0000`) ?? 0);
    return n ? Math.min(1, failed / n) : 0;
  };

  for (const g of deps.lag?.groups() ?? []) {
    if (g.groupId === deps.ownGroup) continue;
    const gid = node('group', g.groupId, { lagStatus: g.status });
    const topics = new Set([
      ...g.partitions.map((p) => p.topic),
      ...g.members.flatMap((m) => m.assignments.map((a) => a.topic)),
    ]);
    for (const t of topics) {
      const status = worst(g.partitions.filter((p) => p.topic === t).map((p) => p.status));
      const tid = node('topic', t);
      edge(tid, gid, 'consumed_by', {
        ratePerSec: (topicCount.get(t) ?? 0) / secs,
        errorRate: errorRate(t, g.groupId),
        lagStatus: status,
      });
    }
  }
  for (const c of traffic.consumers(since)) {
    if (c.group === deps.ownGroup) continue;
    const svc = node('service', c.service);
    const rate = c.count / secs;
    const err = c.count ? c.errors / c.count : 0;
    if (c.group) {
      const gid = node('group', c.group);
      const prev = edges.get(`${gid}>${svc}`);
      edge(gid, svc, 'runs', {
        ratePerSec: (prev?.ratePerSec ?? 0) + rate,
        errorRate: err,
        lagStatus: nodes.get(gid)?.lagStatus ?? null,
      });
      if (c.topic && !edges.has(`topic:${c.topic}>${gid}`))
        edge(node('topic', c.topic), gid, 'consumed_by', { ratePerSec: rate, errorRate: err });
    } else if (c.topic)
      edge(node('topic', c.topic), svc, 'consumed_by', { ratePerSec: rate, errorRate: err });
  }
  for (const [id, n] of nodes) {
    if (n.kind === 'topic') continue;
    const out = [...edges.values()].filter((e) => e.source === id).reduce((s, e) => s + e.ratePerSec, 0);
    const inn = [...edges.values()].filter((e) => e.target === id).reduce((s, e) => s + e.ratePerSec, 0);
    nodes.set(id, { ...n, ratePerSec: n.kind === 'service' ? Math.max(out, inn) : inn });
  }
  return { nodes: [...nodes.values()], edges: [...edges.values()], windowMs };
}
