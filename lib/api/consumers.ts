import { z } from 'zod';

export const LAG_STATUSES = ['OK', 'WARN', 'STALL', 'STOP', 'REWIND'] as const;
export const lagStatusSchema = z.enum(LAG_STATUSES);
export type LagStatus = z.infer<typeof lagStatusSchema>;

export const partitionLagSchema = z.object({
  topic: z.string(),
  partition: z.number().int(),
  /** -1: the group has not committed on this partition. */
  committed: z.number(),
  high: z.number(),
  lag: z.number(),
  lagSeconds: z.number().nullable(),
  status: lagStatusSchema,
});

export const consumerGroupSchema = z.object({
  groupId: z.string(),
  state: z.string(),
  status: lagStatusSchema,
  members: z.array(
    z.object({
      memberId: z.string(),
      clientId: z.string(),
      host: z.string(),
      assignments: z.array(z.object({ topic: z.string(), partitions: z.array(z.number()) })),
    }),
  ),
  totalLag: z.number(),
  maxLagSeconds: z.number().nullable(),
  partitions: z.array(partitionLagSchema),
  /** Total lag over time for a sparkline: [epoch ms, lag]. */
  history: z.array(z.tuple([z.number(), z.number()])),
  polledAt: z.number(),
});
export type ConsumerGroup = z.infer<typeof consumerGroupSchema>;

export const consumerGroupsSchema = z.object({
  items: z.array(consumerGroupSchema),
  polledAt: z.number().nullable(),
});
