import { z } from 'zod';
import { cursorSchema, limitSchema, pageSchema, recordIdSchema, timeBoundSchema } from './common.ts';

export const replayOutcomeSchema = z.enum(['pending', 'processed', 'failed_again', 'chain_completed']);

export const replaySchema = z.object({
  id: z.string(),
  entryId: z.string(),
  replayKey: z.string(),
  requestedBy: z.string(),
  requestedAt: z.number(),
  status: z.enum(['produced', 'failed', 'refused']),
  targetTopic: z.string().nullable(),
  targetPartition: z.number().nullable(),
  targetOffset: z.number().nullable(),
  error: z.string().nullable(),
  outcome: replayOutcomeSchema,
  outcomeAt: z.number().nullable(),
});
export type Replay = z.infer<typeof replaySchema>;

export const dlqEntrySchema = z.object({
  id: z.string(),
  recordId: recordIdSchema,
  dlqTopic: z.string(),
  convention: z.string(),
  originTopic: z.string().nullable(),
  originPartition: z.number().nullable(),
  originOffset: z.number().nullable(),
  originGroup: z.string().nullable(),
  errorClass: z.string().nullable(),
  errorMessage: z.string().nullable(),
  attempts: z.number().nullable(),
  firstFailedAt: z.number(),
  lastFailedAt: z.number(),
  key: z.string().nullable(),
  ceType: z.string().nullable(),
  correlationId: z.string().nullable(),
  sagaId: z.string().nullable(),
  status: z.enum(['unresolved', 'replayed', 'resolved', 'quarantined']),
  replayCount: z.number().int(),
});
export type DlqEntry = z.infer<typeof dlqEntrySchema>;

/** An operator's decision to close an entry without replaying it (audited). */
export const resolutionSchema = z.object({
  id: z.string(),
  entryId: z.string(),
  action: z.enum(['resolved', 'discarded']),
  reason: z.string(),
  resolvedBy: z.string(),
  resolvedAt: z.number(),
});
export type Resolution = z.infer<typeof resolutionSchema>;

export const dlqEntryDetailSchema = dlqEntrySchema.extend({
  errorStack: z.string().nullable(),
  errorCauseClass: z.string().nullable(),
  replays: z.array(replaySchema),
  chainId: z.string().nullable(),
  resolutions: z.array(resolutionSchema).default([]),
});
export type DlqEntryDetail = z.infer<typeof dlqEntryDetailSchema>;

export const dlqFilterSchema = z.object({
  dlqTopic: z.string().max(249).optional(),
  originTopic: z.string().max(249).optional(),
  errorClass: z.string().max(512).optional(),
  key: z.string().max(1024).optional(),
  status: z.enum(['unresolved', 'replayed', 'resolved', 'quarantined']).optional(),
  from: timeBoundSchema.optional(),
  to: timeBoundSchema.optional(),
});
export const dlqQuerySchema = dlqFilterSchema.extend({ cursor: cursorSchema, limit: limitSchema });
export type DlqQuery = z.infer<typeof dlqQuerySchema>;

export const dlqPageSchema = pageSchema(dlqEntrySchema);

export const dlqGroupsSchema = z.object({
  byOrigin: z.array(
    z.object({
      dlqTopic: z.string(),
      originTopic: z.string().nullable(),
      total: z.number().int(),
      unresolved: z.number().int(),
    }),
  ),
  byError: z.array(
    z.object({ errorClass: z.string().nullable(), total: z.number().int(), unresolved: z.number().int() }),
  ),
});

/** A client-chosen idempotency key: the same key replays once, however often it is sent. */
export const replayKeySchema = z
  .string()
  .min(8)
  .max(128)
  .regex(/^[A-Za-z0-9._:-]+$/, 'letters, digits and . _ : - only');

export const replayRequestSchema = z.object({ replayKey: replayKeySchema });

export const bulkReplayRequestSchema = z.object({
  replayKey: replayKeySchema,
  dryRun: z.boolean().default(true),
  ids: z.array(z.string().max(300)).max(10_000).optional(),
  filter: dlqFilterSchema.optional(),
  /** Records per second the bulk job produces at most. */
  ratePerSec: z.number().int().min(1).max(1000).default(50),
});
export type BulkReplayRequest = z.infer<typeof bulkReplayRequestSchema>;

export const bulkReplayResultSchema = z.object({
  dryRun: z.boolean(),
  total: z.number().int(),
  refused: z.number().int(),
  byTarget: z.array(z.object({ targetTopic: z.string().nullable(), count: z.number().int() })),
  byError: z.array(z.object({ errorClass: z.string().nullable(), count: z.number().int() })),
  jobId: z.string().nullable(),
});
export type BulkReplayResult = z.infer<typeof bulkReplayResultSchema>;

export const replayResponseSchema = z.object({ replay: replaySchema, duplicate: z.boolean() });

/** Resolve (the cause was handled elsewhere) or discard (the record must never be processed). */
export const resolveRequestSchema = z.object({
  action: z.enum(['resolved', 'discarded']),
  reason: z.string().trim().min(3, 'say why, in a few words').max(2000),
  /** Who is acting, for the audit; the token only proves it is an operator. */
  actor: z.string().trim().max(100).optional(),
});
export type ResolveRequest = z.infer<typeof resolveRequestSchema>;

/** What a single replay would do, computed without producing anything. */
export const replayPlanSchema = z.object({
  entryId: z.string(),
  targetTopic: z.string().nullable(),
  /** The origin partition when it still exists; null lets the partitioner choose by key. */
  targetPartition: z.number().nullable(),
  key: z.string().nullable(),
  headers: z.array(z.object({ key: z.string(), value: z.string() })),
  valueSize: z.number().nullable(),
  replayCount: z.number().int(),
  maxReplays: z.number().int(),
  /** Replays the loop guard still allows (0: the next one is refused and the entry quarantined). */
  replaysLeft: z.number().int(),
  refusal: z.string().nullable(),
  saga: z.object({ id: z.string(), type: z.string(), state: z.string(), terminal: z.boolean() }).nullable(),
  warnings: z.array(z.string()),
});
export type ReplayPlan = z.infer<typeof replayPlanSchema>;

/** A bulk replay job and what happened to each of its entries so far. */
export const bulkJobSchema = z.object({
  id: z.string(),
  state: z.enum(['running', 'done', 'cancelled', 'interrupted']),
  total: z.number().int(),
  done: z.number().int(),
  requestedBy: z.string(),
  createdAt: z.number(),
  counts: z.object({
    produced: z.number().int(),
    failed: z.number().int(),
    refused: z.number().int(),
    waiting: z.number().int(),
  }),
  items: z.array(
    z.object({
      entryId: z.string(),
      status: z.enum(['waiting', 'produced', 'failed', 'refused']),
      targetTopic: z.string().nullable(),
      targetOffset: z.number().nullable(),
      error: z.string().nullable(),
      outcome: replayOutcomeSchema.nullable(),
    }),
  ),
});
export type BulkJob = z.infer<typeof bulkJobSchema>;
