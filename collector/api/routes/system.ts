import { z } from 'zod';
import type { Health } from '../../../lib/api/topology.ts';
import { isDlqTopicName } from '../../../lib/events/dlq.ts';
import { AppError, notFound } from '../../../lib/errors.ts';
import { buildTopology } from '../../topology/topology.ts';
import type { ApiContext } from '../context.ts';
import { buildOpenApi } from '../openapi.ts';
import { validate } from '../http.ts';
import type { Route } from '../router.ts';

const P95_WINDOW_MS = 15 * 60_000;
const RATE_WINDOW_MS = 60_000;

export async function computeHealth(ctx: ApiContext): Promise<Health> {
  const now = ctx.now();
  const ingest = ctx.ingestStatus();
  const stats = await ctx.store.records.stats();
  const durations = (await ctx.store.chains.completedDurations(now - P95_WINDOW_MS, 2000)).sort(
    (a, b) => a - b,
  );
  const p95 = durations.length
    ? durations[Math.min(durations.length - 1, Math.ceil(durations.length * 0.95) - 1)]!
    : null;
  const dlqDepth = (await ctx.store.dlq.depth()).reduce((s, d) => s + d.depth, 0);
  const stuckSagas = (await ctx.store.sagas.counts())
    .filter((c) => c.state === 'STUCK')
    .reduce((s, c) => s + c.count, 0);
  let firingAlerts = 0;
  try {
    firingAlerts = (await ctx.alerts.list()).alerts.filter((a) => a.state === 'firing').length;
  } catch {
    // An unreachable Prometheus must not make the collector look unhealthy.
  }
  return {
    status: ingest.connected ? 'ok' : 'degraded',
    bus: ctx.bus.kind,
    busConnected: ingest.connected,
    busError: ingest.error,
    startedAt: ctx.startedAt,
    lastIngestAt: ingest.lastIngestAt ?? stats.lastStoredAt,
    recordsStored: stats.approxCount,
    // Not yet findable through every view: landed and not indexed (every collector's, on a shared
    // store), or indexed and not yet searchable by text nor in its sagas (a store file's search worker).
    recordsIndexing:
      (await ctx.store.landing.stats()).waitingAll + ((await ctx.store.searchBacklog?.()) ?? 0),
    batchesQuarantined: ingest.batchesQuarantined,
    ingestRatePerSec: ctx.traffic.recordsSince(now - RATE_WINDOW_MS) / (RATE_WINDOW_MS / 1000),
    e2eLatencyP95Ms: p95,
    dlqDepth,
    stuckSagas,
    stuckJudgedThrough: judgedThroughOf(now, ctx.sagasDerivedThrough?.() ?? Infinity),
    firingAlerts,
    lagPolledAt: ctx.lag?.lastPollAt() ?? null,
    authRequired: { read: ctx.auth.readRequired, write: true },
  };
}

/** The health's `stuckJudgedThrough`: the clock held back by the frontier; null when unknown. */
const judgedThroughOf = (now: number, derivedThrough: number): number | null =>
  derivedThrough === -Infinity ? null : Math.min(now, derivedThrough);

/** A Prometheus that fails is a 502 naming it, not an internal error of ours. */
async function upstream<T>(f: () => Promise<T>): Promise<T> {
  try {
    return await f();
  } catch (err) {
    throw new AppError(
      `The alert source did not answer: ${err instanceof Error ? err.message : String(err)}`,
      {
        statusCode: 502,
        code: 'bad_gateway',
      },
    );
  }
}

export function systemRoutes(ctx: ApiContext): Route[] {
  const openapi = buildOpenApi();
  return [
    {
      method: 'GET',
      path: '/api/health',
      access: 'read',
      handler: async () => ({ body: await computeHealth(ctx) }),
    },
    // Liveness for container healthchecks and Kubernetes probes: always open, so it says nothing
    // but that the process answers HTTP (no counts, no topics, no configuration).
    { method: 'GET', path: '/healthz', access: 'public', handler: () => ({ body: { status: 'ok' } }) },
    { method: 'GET', path: '/api/openapi.json', access: 'read', handler: () => ({ body: openapi }) },
    // Lets the console check an operator token when it is entered rather than at the first
    // write: 204 for the operator token, 401 without one, 403 for any other (auth.ts).
    { method: 'GET', path: '/api/auth/check', access: 'write', handler: () => ({ status: 204, body: null }) },
    {
      method: 'GET',
      path: '/api/consumers',
      access: 'read',
      handler: () => ({ body: { items: ctx.lag?.groups() ?? [], polledAt: ctx.lag?.lastPollAt() ?? null } }),
    },
    {
      method: 'GET',
      path: '/api/consumers/:group',
      access: 'read',
      handler({ params }) {
        const id = validate(z.string().min(1).max(255), params.group, 'group id');
        const g = ctx.lag?.group(id);
        if (!g)
          throw notFound(
            `No consumer group ${id} (groups are polled every ${ctx.config.LAG_POLL_INTERVAL_MS} ms)`,
          );
        return { body: g };
      },
    },
    {
      method: 'GET',
      path: '/api/topology',
      access: 'read',
      handler: () => ({
        body: buildTopology({
          traffic: ctx.traffic,
          lag: ctx.lag,
          now: ctx.now(),
          windowMs: ctx.config.TOPOLOGY_WINDOW_MS,
          ownGroup: ctx.config.COLLECTOR_GROUP_ID,
          isDlqTopic: (t) => isDlqTopicName(t, ctx.config.DLQ_TOPIC_SUFFIXES),
        }),
      }),
    },
    {
      method: 'GET',
      path: '/api/alerts',
      access: 'read',
      handler: async () => ({ body: await upstream(() => ctx.alerts.list()) }),
    },
    {
      method: 'GET',
      path: '/api/alerts/rules',
      access: 'read',
      handler: async () => ({
        body: await upstream(
          () => ctx.alerts.rules?.() ?? Promise.resolve({ source: 'native' as const, rules: [] }),
        ),
      }),
    },
  ];
}
