import { z } from 'zod';
import { recordSummarySchema } from './records.ts';

// Live tail over WebSocket (`/ws`). The client subscribes with a filter; the server sends stored
// records in batches. A slow client never slows ingest: its buffer is bounded and drops the oldest,
// and a `dropped` frame says how many it lost.

export const tailFilterSchema = z.object({
  topics: z.array(z.string().max(249)).max(100).optional(),
  types: z.array(z.string().max(256)).max(100).optional(),
  key: z.string().max(1024).optional(),
  correlationId: z.string().max(256).optional(),
  dlqOnly: z.boolean().optional(),
});
export type TailFilter = z.infer<typeof tailFilterSchema>;

export const clientFrameSchema = z.discriminatedUnion('type', [
  z.object({
    type: z.literal('subscribe'),
    filter: tailFilterSchema.default({}),
    token: z.string().max(512).optional(),
  }),
  z.object({ type: z.literal('ping') }),
]);
export type ClientFrame = z.infer<typeof clientFrameSchema>;

export const serverFrameSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('hello'), version: z.number(), authRequired: z.boolean() }),
  z.object({ type: z.literal('subscribed'), filter: tailFilterSchema }),
  z.object({ type: z.literal('records'), records: z.array(recordSummarySchema) }),
  z.object({ type: z.literal('dropped'), count: z.number().int() }),
  /** `code: 'filter_refused'`: the subscribe was not applied and the stream stopped until a valid one. */
  z.object({ type: z.literal('error'), message: z.string(), code: z.string().optional() }),
  z.object({ type: z.literal('pong') }),
]);
export type ServerFrame = z.infer<typeof serverFrameSchema>;
