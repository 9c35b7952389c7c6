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
  /**
   * The time (ms) up to which saga deadlines are judged: now when every record is derived; earlier
   * while records that could answer a deadline still wait (consumer lag, indexing, the search
   * worker); null while records of unknown time wait (landed bytes whose times could not be read
   * ahead; what an earlier run left is read at start). A saga whose
   * deadline passed after it is not called STUCK yet.
   */
  stuckJudgedThrough: z.number().nullable(),
  firingAlerts: z.number(),
  lagPolledAt: z.number().nullable(),
  authRequired: z.object({ read: z.boolean(), write: z.boolean() }),
});
export type Health = z.infer<typeof healthSchema>;

/**
 * The console says STUCK is judged only up to an earlier time when `stuckJudgedThrough` is further
 * behind than this: less is the ordinary time from produce to derived.
 */
export const STUCK_JUDGEMENT_LAG_MS = 10_000;
