import { z } from 'zod';
import { lagStatusSchema } from './consumers.ts';

// Services -> topics -> consumer groups -> services, derived from traffic and spans.
export const topologyNodeSchema = z.object({
  id: z.string(),
  kind: z.enum(['service', 'topic', 'group']),
  label: z.string(),
  ratePerSec: z.number(),
  isDlq: z.boolean(),
  lagStatus: lagStatusSchema.nullable(),
});
export const topologyEdgeSchema = z.object({
  source: z.string(),
  target: z.string(),
  kind: z.enum(['produces', 'consumed_by', 'runs']),
  ratePerSec: z.number(),
  errorRate: z.number(),
  lagStatus: lagStatusSchema.nullable(),
});
export const topologySchema = z.object({
  nodes: z.array(topologyNodeSchema),
  edges: z.array(topologyEdgeSchema),
  windowMs: z.number(),
});
export type Topology = z.infer<typeof topologySchema>;

export const healthSchema = z.object({
  status: z.enum(['ok', 'degraded']),
  bus: z.enum(['kafka', 'embedded']),
  busConnected: z.boolean(),
  busError: z.string().nullable(),
  startedAt: z.number(),
  lastIngestAt: z.number().nullable(),
  recordsStored: z.number(),
  /** Landed (offsets committed) and not yet indexed, by every collector sharing the store: not in lists or chains yet. */
  recordsIndexing: z.number(),
  /** Landed batches set aside since the collector started: indexing failed on them repeatedly. */
  batchesQuarantined: z.number(),
  ingestRatePerSec: z.number(),
  e2eLatencyP95Ms: z.number().nullable(),
  dlqDepth: z.number(),
  stuckSagas: z.number(),
  firingAlerts: z.number(),
  lagPolledAt: z.number().nullable(),
  authRequired: z.object({ read: z.boolean(), write: z.boolean() }),
});
export type Health = z.infer<typeof healthSchema>;
