import { z } from 'zod';

// The audit log of masked values revealed to an operator (`GET /api/audit`, operator token).

export const auditEntrySchema = z.object({
  id: z.number().int(),
  at: z.number(),
  action: z.literal('unmask'),
  identity: z.string(),
  actor: z.string().nullable(),
  remoteAddr: z.string(),
  target: z.string(),
  reason: z.string().nullable(),
});
export type AuditEntryView = z.infer<typeof auditEntrySchema>;

export const auditQuerySchema = z.object({
  target: z.string().max(600).optional(),
  beforeId: z.coerce.number().int().positive().optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

export const auditPageSchema = z.object({ items: z.array(auditEntrySchema) });
