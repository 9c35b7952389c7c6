import { refundPaymentSchema } from '../../lib/events/shop-events.ts';
import { AppError } from '../../lib/errors.ts';
import { authorizePaymentCommandSchema } from '../contract-extra.ts';
import { customerHook } from '../runtime/faults.ts';
import { on } from '../runtime/handlers.ts';
import type { ServiceContext, ServiceModule } from '../runtime/service.ts';
import { createPaymentStore } from './store.ts';

// Payment: authorises and refunds on the orchestrator's commands, answering on `payment.events`.
// It is where the demo's failures live: declines (a compensation follows), transient gateway
// errors (a trip through the retry topic), poison commands (straight to the dead-letter topic;
// the saga's deadline then compensates) and refund outages (the saga keeps re-sending the refund,
// the order stays open). Only amount, currency and method kind are ever handled.

const DECLINE_REASONS: Record<string, string> = {
  card: 'card declined by issuer: insufficient funds',
  wallet: 'wallet balance too low',
  'bank-transfer': 'bank rejected the transfer',
};

export function createPaymentService(ctx: ServiceContext): ServiceModule {
  const { db, topics, faults } = ctx;
  const store = createPaymentStore(db);

  const handlers = {
    AuthorizePayment: on(authorizePaymentCommandSchema, (m, h) => {
      const { orderId, amount, currency, paymentMethod, customerId } = m.payload;
      h.span.setAttributes({ 'app.order.id': orderId, 'app.payment.method': paymentMethod });
      let p = store.get(orderId);
      if (!p) {
        const hook = customerHook(customerId);
        const f = faults.get();
        if (hook === 'poison' || faults.roll(f.poisonRate))
          throw new AppError(
            `AuthorizePayment for order ${orderId} cannot be processed: payment provider rejects the command`,
            {
              code: 'poison_message',
              retriable: false,
            },
          );
        if (
          hook === 'unavailable' ||
          (hook === 'flaky' && m.attempt === 1) ||
          faults.roll(f.transientErrorRate)
        )
          throw new AppError('payment gateway timed out', {
            code: 'gateway_timeout',
            retriable: true,
            statusCode: 504,
          });
        const declined = hook === 'decline' || faults.roll(f.paymentDeclineRate);
        p = store.record(
          orderId,
          declined ? 'declined' : 'authorized',
          {
            amount,
            currency,
            method: paymentMethod,
            ...(declined && { reason: DECLINE_REASONS[paymentMethod] ?? 'declined' }),
          },
          h.now,
        );
      }
      if (p.status === 'authorized')
        h.emit({
          topic: topics.paymentEvents,
          key: orderId,
          type: 'PaymentAuthorized',
          payload: { orderId, paymentId: p.paymentId, amount: p.amount, currency: p.currency },
        });
      else
        h.emit({
          topic: topics.paymentEvents,
          key: orderId,
          type: 'PaymentDeclined',
          payload: {
            orderId,
            reason: p.status === 'declined' ? (p.reason ?? 'declined') : `order was already ${p.status}`,
          },
        });
    }),
    RefundPayment: on(refundPaymentSchema, (m, h) => {
      const { orderId, amount } = m.payload;
      h.span.setAttribute('app.order.id', orderId);
      if (faults.get().refundOutage)
        throw new AppError('refund gateway unavailable', {
          code: 'gateway_unavailable',
          retriable: true,
          statusCode: 503,
        });
      const { refunded, payment } = store.refund(orderId, amount, h.now);
      h.emit({
        topic: topics.paymentEvents,
        key: orderId,
        type: 'PaymentRefunded',
        payload: { orderId, paymentId: payment.paymentId, amount: refunded },
      });
    }),
  };

  return { consumes: { topics: [topics.paymentCommands], handlers } };
}
