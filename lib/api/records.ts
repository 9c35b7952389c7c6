import { z } from 'zod';
import {
  boolParamSchema,
  cursorSchema,
  limitSchema,
  pageSchema,
  recordIdSchema,
  timeBoundSchema,
} from './common.ts';

export const valueKindSchema = z.enum(['json', 'text', 'binary', 'tombstone', 'empty']);
export const anomalyKindSchema = z.enum([
  'duplicate',
  'out_of_order',
  'late',
  'broken_trace',
  'missing_trace',
]);
export type AnomalyKind = z.infer<typeof anomalyKindSchema>;

/** One stored record as lists show it: decoded ids, no payload. */
export const recordSummarySchema = z.object({
  id: recordIdSchema,
  topic: z.string(),
  partition: z.number().int(),
  offset: z.number().int(),
  timestamp: z.number(),
  storedAt: z.number(),
  key: z.string().nullable(),
  keyEncoding: z.enum(['utf8', 'hex']).nullable(),
  valueKind: valueKindSchema,
  valueSize: z.number().int(),
  valueTruncated: z.boolean(),
  ceId: z.string().nullable(),
  ceType: z.string().nullable(),
  ceSource: z.string().nullable(),
  ceTime: z.string().nullable(),
  causationId: z.string().nullable(),
  correlationId: z.string().nullable(),
  traceId: z.string().nullable(),
  spanId: z.string().nullable(),
  sagaId: z.string().nullable(),
  sagaType: z.string().nullable(),
  isDlq: z.boolean(),
  isRetry: z.boolean(),
  anomalies: z.array(anomalyKindSchema),
});
export type RecordSummary = z.infer<typeof recordSummarySchema>;

export const headerViewSchema = z.object({
  key: z.string(),
  value: z.string(),
  encoding: z.enum(['utf8', 'hex']),
  size: z.number().int(),
});

export const dlqInfoSchema = z.object({
  convention: z.string(),
  originTopic: z.string().optional(),
  originPartition: z.number().optional(),
  originOffset: z.number().optional(),
  originTimestamp: z.number().optional(),
  originGroup: z.string().optional(),
  errorClass: z.string().optional(),
  errorCauseClass: z.string().optional(),
  errorMessage: z.string().optional(),
  errorStack: z.string().optional(),
  attempts: z.number().optional(),
  problems: z.array(z.string()),
});

/** A key or value read through its schema (Avro, Protobuf, JSON Schema), or why it could not be. */
export const decodedPartSchema = z.object({
  format: z.enum(['avro', 'protobuf', 'json']).nullable(),
  schemaId: z.number().int().nullable(),
  subject: z.string().nullable(),
  version: z.number().int().nullable(),
  /** The Protobuf message / Avro record it was read as. */
  typeName: z.string().nullable(),
  /** `registry` or the local schema file. */
  origin: z.string().nullable(),
  /** The decoded payload as JSON text; null when it could not be decoded. */
  text: z.string().nullable(),
  error: z.string().nullable(),
});
export type DecodedPart = z.infer<typeof decodedPartSchema>;

export const recordDetailSchema = recordSummarySchema.extend({
  headers: z.array(headerViewSchema),
  /** The value as text when UTF-8 (JSON pretty-printing is the console's job), base64 otherwise. */
  valueText: z.string().nullable(),
  valueBase64: z.string().nullable(),
  problems: z.array(z.object({ header: z.string().optional(), problem: z.string() })),
  dlq: dlqInfoSchema.nullable(),
  /** Paths the masking policy masked, hashed or dropped (`header <key>` for headers). */
  masked: z.array(z.string()).optional(),
  /** True when an operator revealed the masked values (the reveal is in the audit log). */
  unmasked: z.boolean().optional(),
  /** Present when the key or value carries a schema reference (or its topic maps to a schema file). */
  decoded: z.object({ key: decodedPartSchema.nullable(), value: decodedPartSchema.nullable() }).optional(),
});
export type RecordDetail = z.infer<typeof recordDetailSchema>;

export const recordsQuerySchema = z.object({
  topic: z.string().max(249).optional(),
  key: z.string().max(1024).optional(),
  type: z.string().max(256).optional(),
  correlationId: z.string().max(256).optional(),
  /**
   * Words, all of which must occur (any order, any case) in the key, a header value or the first
   * 2 KB of the payload text; ids match whole or by their parts (`ord-1a2b`, `1a2b`); `word*` is a
   * prefix (3+ characters). Punctuation-only text is a 400.
   */
  q: z.string().min(1).max(256).optional(),
  from: timeBoundSchema.optional(),
  to: timeBoundSchema.optional(),
  dlqOnly: boolParamSchema.optional(),
  /** Only records of this partition (with `topic`). */
  partition: z.coerce.number().int().nonnegative().max(999_999).optional(),
  /**
   * Browse a partition from this offset on, oldest first (needs `topic` and `partition`; not with
   * `q`): how a Kafka UI seeks a partition.
   */
  offset: z.coerce.number().int().nonnegative().optional(),
  /** `asc` reads forward in time from `from` (seek by time); default newest first. Not with `q`. */
  order: z.enum(['asc', 'desc']).optional(),
  cursor: cursorSchema,
  limit: limitSchema,
});
export type RecordsQuery = z.infer<typeof recordsQuerySchema>;

export const recordsPageSchema = pageSchema(recordSummarySchema);

/** `GET /api/records/:id?unmask=1`: the operator reveals masked values (audited). */
export const recordDetailQuerySchema = z.object({
  unmask: boolParamSchema.optional(),
  reason: z.string().max(500).optional(),
});

/** `GET /api/records/export`: the records query; the payloads masked as everywhere else. */
export const recordsExportQuerySchema = recordsQuerySchema.omit({ cursor: true, limit: true }).extend({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
});
export const recordsExportSchema = z.object({
  exportedAt: z.number(),
  count: z.number().int(),
  /** True when the limit cut the export short. */
  truncated: z.boolean(),
  records: z.array(recordDetailSchema),
});
