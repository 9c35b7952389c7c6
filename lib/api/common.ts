import { z } from 'zod';

// Shapes shared by every REST resource: paging, errors, ids. The collector validates requests and
// the console validates responses with these same schemas.

export const API_VERSION = 1;

/** `topic:partition:offset` — Kafka topic names cannot contain ':'. */
export const recordIdSchema = z
  .string()
  .regex(/^[a-zA-Z0-9._-]{1,249}:\d{1,6}:\d{1,19}$/, 'expected topic:partition:offset');
export const recordId = (topic: string, partition: number, offset: number) =>
  `${topic}:${partition}:${offset}`;
export function parseRecordId(id: string): { topic: string; partition: number; offset: number } | undefined {
  const m = /^([a-zA-Z0-9._-]{1,249}):(\d{1,6}):(\d{1,19})$/.exec(id);
  if (!m) return undefined;
  return { topic: m[1]!, partition: Number(m[2]), offset: Number(m[3]) };
}

export const limitSchema = z.coerce.number().int().min(1).max(500).default(50);
export const cursorSchema = z.string().max(512).optional();
/** A time bound as epoch milliseconds or an ISO-8601 string. */
export const timeBoundSchema = z
  .union([z.coerce.number().int().nonnegative(), z.iso.datetime({ offset: true })])
  .transform((v) => (typeof v === 'number' ? v : Date.parse(v)));
export const boolParamSchema = z
  .enum(['true', 'false', '1', '0'])
  .transform((v) => v === 'true' || v === '1');

export const pageSchema = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

export const apiErrorSchema = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
  }),
});
export type ApiError = z.infer<typeof apiErrorSchema>;
