import { z } from 'zod';
import { badRequest, type AppError } from '../../lib/errors.ts';

// The order API's request body. Strict: an unknown field (say, a card number someone tries to
// send) is rejected rather than silently carried along. Messages name the field and the rule, so
// a 400 tells the caller what to fix.

const itemSchema = z.strictObject({
  sku: z
    .string({ error: 'sku must be a string' })
    .min(1, 'sku must not be empty')
    .max(64, 'sku is at most 64 characters'),
  qty: z
    .number({ error: 'qty must be a number' })
    .int('qty must be a whole number')
    .positive('qty must be at least 1')
    .max(10_000, 'qty is at most 10000'),
  price: z
    .number({ error: 'price must be a number' })
    .finite('price must be finite')
    .nonnegative('price must not be negative')
    .max(1_000_000, 'price is at most 1000000'),
});

export const placeOrderRequestSchema = z.strictObject({
  customerId: z
    .string({ error: 'customerId must be a string' })
    .min(1, 'customerId must not be empty')
    .max(128, 'customerId is at most 128 characters')
    .regex(/^[A-Za-z0-9._:@-]+$/, 'customerId may contain letters, digits and . _ : @ - only'),
  items: z
    .array(itemSchema, { error: 'items must be an array' })
    .min(1, 'items must contain at least one item')
    .max(100, 'items holds at most 100 items'),
  currency: z
    .string({ error: 'currency must be a string' })
    .regex(/^[A-Z]{3}$/, 'currency must be a three-letter code such as EUR'),
  paymentMethod: z.enum(['card', 'wallet', 'bank-transfer'], {
    error: 'paymentMethod must be card, wallet or bank-transfer',
  }),
  express: z.boolean({ error: 'express must be true or false' }).optional(),
});
export type PlaceOrderRequest = z.infer<typeof placeOrderRequestSchema>;

export type Validated<T> = { ok: true; value: T } | { ok: false; error: AppError };

export function validatePlaceOrder(body: unknown): Validated<PlaceOrderRequest> {
  const parsed = placeOrderRequestSchema.safeParse(body);
  if (parsed.success) return { ok: true, value: parsed.data };
  const details = parsed.error.issues.map((i) => ({
    path: i.path.join('.') || '(body)',
    message: i.message,
  }));
  const first = details[0]!;
  const more = details.length > 1 ? ` (and ${details.length - 1} more)` : '';
  return { ok: false, error: badRequest(`invalid order: ${first.path}: ${first.message}${more}`, details) };
}

/** Sum of qty × price, in minor units then back, so 0.1 + 0.2 stays 0.3. */
export const orderTotal = (items: readonly { qty: number; price: number }[]) =>
  items.reduce((sum, i) => sum + Math.round(i.qty * i.price * 100), 0) / 100;
