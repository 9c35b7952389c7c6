import { z } from 'zod';
import { lagStatusSchema } from './consumers.ts';
import { SAGA_STATES } from '../events/shop-events.ts';
import { boolParamSchema, cursorSchema, limitSchema, pageSchema, timeBoundSchema } from './common.ts';

/** Saga states as the collector reports them: the recorded ones plus derived STUCK. */
export const sagaViewStateSchema = z.enum([...SAGA_STATES, 'STUCK']);
export type SagaViewState = z.infer<typeof sagaViewStateSchema>;

export const sagaStepSchema = z.object({
  name: z.string(),
  status: z.enum([
    'PENDING',
    'STARTED',
    'SUCCEEDED',
    'FAILED',
    'TIMED_OUT',
    'COMPENSATING',
    'COMPENSATED',
    'SKIPPED',
  ]),
  startedAt: z.number().nullable(),
  endedAt: z.number().nullable(),
  compensation: z.boolean(),
  recordIds: z.array(z.string()),
});

export const sagaHistoryEntrySchema = z.object({
  at: z.number(),
  state: z.string(),
  step: z.string().nullable(),
  event: z.string().nullable(),
  reason: z.string().nullable(),
  recordId: z.string().nullable(),
});

export const sagaSummarySchema = z.object({
  id: z.string(),
  type: z.string(),
  source: z.enum(['orchestrated', 'choreographed']),
  state: sagaViewStateSchema,
  correlationId: z.string().nullable(),
  currentStep: z.string().nullable(),
  startedAt: z.number(),
  updatedAt: z.number(),
  deadline: z.number().nullable(),
});
export type SagaSummary = z.infer<typeof sagaSummarySchema>;

export const sagaDetailSchema = sagaSummarySchema.extend({
  steps: z.array(sagaStepSchema),
  history: z.array(sagaHistoryEntrySchema),
  nextExpected: z.object({ events: z.array(z.string()), deadline: z.number().nullable() }).nullable(),
  /**
   * While a saga waits: the topics its progress depends on (the command it last sent, and where
   * the awaited events arrive) and the consumer groups behind on them, worst first, from lag data.
   */
  waitingOn: z
    .object({
      topics: z.array(z.string()),
      lateGroups: z.array(
        z.object({
          groupId: z.string(),
          topic: z.string(),
          partition: z.number().int(),
          committed: z.number(),
          lag: z.number(),
          status: lagStatusSchema,
        }),
      ),
    })
    .nullable(),
  dlqEntryIds: z.array(z.string()),
  reason: z.string().nullable(),
});
export type SagaDetail = z.infer<typeof sagaDetailSchema>;

export const sagasQuerySchema = z.object({
  state: sagaViewStateSchema.optional(),
  type: z.string().max(128).optional(),
  stuck: boolParamSchema.optional(),
  /** Only sagas started more than this many ms ago. */
  minAgeMs: z.coerce.number().int().nonnegative().optional(),
  correlationId: z.string().max(256).optional(),
  /** Sagas started at or after / before these bounds. */
  from: timeBoundSchema.optional(),
  to: timeBoundSchema.optional(),
  cursor: cursorSchema,
  limit: limitSchema,
});
export type SagasQuery = z.infer<typeof sagasQuerySchema>;

export const sagaCountsSchema = z.array(
  z.object({ type: z.string(), state: sagaViewStateSchema, count: z.number().int() }),
);
export const sagasPageSchema = pageSchema(sagaSummarySchema).extend({ counts: sagaCountsSchema });
