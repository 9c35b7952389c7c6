import { z } from 'zod';

// The topics the collector ingests, as the records explorer lists them.

/**
 * What a topic is for: a dead-letter or retry topic by its name's convention, `compacted` when
 * its `cleanup.policy` includes compact (read from the broker), `data` otherwise.
 */
export const topicRoleSchema = z.enum(['data', 'retry', 'dlq', 'compacted']);
export type TopicRole = z.infer<typeof topicRoleSchema>;

export const topicInfoSchema = z.object({
  name: z.string(),
  role: topicRoleSchema,
  /** null when the broker's topic configs could not be read (then `compacted` is unknown). */
  compacted: z.boolean().nullable(),
  /** `message.timestamp.type`: with LogAppendTime a record's timestamp is the broker's append time. */
  timestampType: z.enum(['CreateTime', 'LogAppendTime']).nullable(),
  partitions: z.array(z.object({ partition: z.number().int(), low: z.number(), high: z.number() })),
  /** Records per second seen by the collector over the last minute. */
  ratePerSec: z.number(),
});
export type TopicInfo = z.infer<typeof topicInfoSchema>;

export const topicsResponseSchema = z.object({
  items: z.array(topicInfoSchema),
  /** False when the bus could not describe topic configs: roles then come from names only. */
  configsKnown: z.boolean(),
  polledAt: z.number(),
});
export type TopicsResponse = z.infer<typeof topicsResponseSchema>;
