import { z } from 'zod';

// `GET /api/schemas?topic=`: the schemas a topic's recent records were written with, per event
// type (schema id / version, or the inferred shape of schemaless JSON), and the records flagged
// for schema drift when they were ingested.

export const schemasQuerySchema = z.object({
  topic: z.string().min(1).max(249),
  /** How many of the topic's newest records to read (the view is as of those). */
  limit: z.coerce.number().int().min(1).max(2000).default(500),
});

export const schemaSeenSchema = z.object({
  /** `id:<n>`, `guid:<g>`, `file:<name>` or `shape` (schemaless JSON). */
  key: z.string(),
  format: z.enum(['avro', 'protobuf', 'json', 'inferred']),
  schemaId: z.number().int().nullable(),
  subject: z.string().nullable(),
  version: z.number().int().nullable(),
  /** Field paths and JSON types seen (`items[].sku: string`; `a: number|string` when it varied). */
  fields: z.array(z.string()),
  firstSeen: z.number(),
  lastSeen: z.number(),
  records: z.number().int(),
});
export type SchemaSeenView = z.infer<typeof schemaSeenSchema>;

export const schemaHistorySchema = z.object({
  topic: z.string(),
  scanned: z.number().int(),
  types: z.array(
    z.object({
      type: z.string().nullable(),
      schemas: z.array(schemaSeenSchema),
      drift: z.array(z.object({ recordId: z.string(), at: z.number(), problem: z.string() })),
    }),
  ),
});
export type SchemaHistory = z.infer<typeof schemaHistorySchema>;
