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

export const dlqEntryDetailSchema = dlqEntrySchema.extend({
  errorStack: z.string().nullable(),
  errorCauseClass: z.string().nullable(),
  replays: z.array(replaySchema),
  chainId: z.string().nullable(),
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
