import { z } from 'zod';
import { anomalyKindSchema, recordSummarySchema } from './records.ts';
import { cursorSchema, limitSchema, pageSchema, timeBoundSchema } from './common.ts';

// A chain is the end-to-end graph of one business flow: records and spans, stitched by trace ids,
// span links, causation ids (ce_causationid -> ce_id) and the correlation id.

const attributesSchema = z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]));

export const spanSchema = z.object({
  traceId: z.string(),
  spanId: z.string(),
  parentSpanId: z.string().nullable(),
  name: z.string(),
  kind: z.enum(['internal', 'server', 'client', 'producer', 'consumer', 'unspecified']),
  service: z.string(),
  startMs: z.number(),
  endMs: z.number(),
  status: z.enum(['unset', 'ok', 'error']),
  attributes: attributesSchema,
  links: z.array(z.object({ traceId: z.string(), spanId: z.string() })),
  /** Timed events within the span (e.g. an exception), at most 128; timeMs is epoch ms. */
  events: z
    .array(z.object({ name: z.string(), timeMs: z.number(), attributes: attributesSchema }))
    .default([]),
  /** The attributes of the resource (service, host, SDK...) that emitted the span. */
  resource: attributesSchema.default({}),
  /** The record this span produced or processed, when it could be joined. */
  recordId: z.string().nullable(),
});
export type Span = z.infer<typeof spanSchema>;

/** One hop: a record from produce to processed. Times are epoch ms; null when not observed. */
export const hopSchema = z.object({
  recordId: z.string(),
  topic: z.string(),
  producer: z.string().nullable(),
  consumerGroup: z.string().nullable(),
  consumer: z.string().nullable(),
  producedAt: z.number().nullable(),
  brokerAt: z.number(),
  /**
   * Where `brokerAt` comes from: the broker's append time (topic with LogAppendTime), the producer
   * span's end (the broker's ack: append happened at or before it), or the record's CreateTime,
   * the producer's own clock, which says nothing about the broker (produce → broker is then n/a).
   */
  brokerAtSource: z.enum(['log_append_time', 'producer_ack', 'create_time']),
  consumedAt: z.number().nullable(),
  processedAt: z.number().nullable(),
});
export type Hop = z.infer<typeof hopSchema>;

export const chainEdgeSchema = z.object({
  from: z.string(),
  to: z.string(),
  kind: z.enum(['causation', 'trace', 'link', 'correlation']),
});

export const chainStatusSchema = z.enum(['complete', 'in_progress', 'stopped', 'failed']);

/**
 * The business outcome beside completeness: `succeeded` / `failed` from the terminal event
 * (failure-terminal types are configured, CHAIN_FAILURE_TYPES), `open` while no terminal event
 * arrived. `reason` says why it failed, or why an open flow is not moving (e.g. the orchestrator
 * never took its first event up).
 */
export const chainOutcomeSchema = z.object({
  kind: z.enum(['succeeded', 'failed', 'open']),
  /** The terminal event type, when one arrived. */
  event: z.string().nullable(),
  reason: z.string().nullable(),
});
export type ChainOutcome = z.infer<typeof chainOutcomeSchema>;

export const chainSchema = z.object({
  id: z.string(),
  correlationId: z.string().nullable(),
  traceIds: z.array(z.string()),
  flow: z.string().nullable(),
  status: chainStatusSchema,
  outcome: chainOutcomeSchema,
  /** Where the flow stopped, in words, when it did not complete. */
  stoppedAt: z.string().nullable(),
  startedAt: z.number(),
  endedAt: z.number(),
  durationMs: z.number(),
  records: z.array(recordSummarySchema),
  spans: z.array(spanSchema),
  edges: z.array(chainEdgeSchema),
  hops: z.array(hopSchema),
  anomalies: z.array(z.object({ kind: anomalyKindSchema, recordId: z.string(), detail: z.string() })),
  sagaIds: z.array(z.string()),
  truncated: z.boolean(),
});
export type Chain = z.infer<typeof chainSchema>;

export const chainLookupSchema = z.object({
  /** Any id in the chain: order / correlation id, trace id, ce_id, or topic:partition:offset. */
  id: z.string().min(1).max(256),
});

export const chainSummarySchema = z.object({
  id: z.string(),
  flow: z.string().nullable(),
  status: chainStatusSchema,
  outcome: chainOutcomeSchema,
  startedAt: z.number(),
  durationMs: z.number(),
  recordCount: z.number().int(),
});
export const chainsQuerySchema = z.object({
  status: chainStatusSchema.optional(),
  flow: z.string().max(128).optional(),
  /** Chains whose first record is at or after / before these bounds. */
  from: timeBoundSchema.optional(),
  to: timeBoundSchema.optional(),
  cursor: cursorSchema,
  limit: limitSchema,
});
export const chainsPageSchema = pageSchema(chainSummarySchema);
