import { describe, expect, it } from 'vitest';
import type { ConsumedRecord } from '../../lib/bus/types.ts';
import { decodeDlqHeaders } from '../../lib/events/dlq.ts';
import { lastHeader } from '../../lib/events/headers.ts';
import { AppError } from '../../lib/errors.ts';
import {
  attemptOf,
  deadLetterHeaders,
  decideFailure,
  describeFailure,
  dueAtOf,
  originOf,
  retryGroupOf,
  retryHeaders,
} from './retry-policy.ts';

const record = (over: Partial<ConsumedRecord> = {}): ConsumedRecord => ({
  topic: 'payment.commands',
  partition: 2,
  offset: 41,
  timestamp: 1_700_000_000_000,
  key: Buffer.from('o-1'),
  value: Buffer.from('{}'),
  headers: [
    { key: 'ce_id', value: Buffer.from('id-1') },
    { key: 'ce_type', value: Buffer.from('AuthorizePayment') },
  ],
  ...over,
});

describe('retry or dead letter', () => {
  it('dead-letters a non-retriable failure at once', () => {
    const f = describeFailure(new AppError('poison', { code: 'poison_message', retriable: false }));
    expect(f).toMatchObject({ retriable: false, fqcn: 'AppError.poison_message' });
    expect(decideFailure(f, 1, 3, 100)).toEqual({ action: 'dead-letter', reason: 'non-retriable' });
  });

  it('retries a retriable failure with exponential backoff until the attempts are used up', () => {
    const f = describeFailure(new AppError('timeout', { retriable: true }));
    expect(decideFailure(f, 1, 3, 100)).toEqual({ action: 'retry', nextAttempt: 2, delayMs: 100 });
    expect(decideFailure(f, 2, 3, 100)).toEqual({ action: 'retry', nextAttempt: 3, delayMs: 200 });
    expect(decideFailure(f, 3, 3, 100)).toEqual({ action: 'dead-letter', reason: 'attempts-exhausted' });
  });

  it('treats unknown errors as transient (bounded retries, then DLT)', () => {
    expect(describeFailure(new TypeError('boom'))).toMatchObject({ retriable: true, fqcn: 'TypeError' });
    expect(describeFailure('weird')).toMatchObject({ retriable: true, message: 'weird' });
  });
});

describe('retry and dead-letter headers', () => {
  const failure = { retriable: true, fqcn: 'AppError.gateway_timeout', message: 'timed out', stack: 'at x' };

  it('a retry record keeps the original headers and says where it came from, for which group, when it is due', () => {
    const first = record();
    const h = retryHeaders(first, originOf(first, 'payment.commands'), 'payment-service', 2, 5000, failure);
    const retried = record({ topic: 'payment.commands-retry', partition: 2, offset: 7, headers: h });
    expect(lastHeader(h, 'ce_id')?.toString()).toBe('id-1');
    expect(attemptOf(retried)).toBe(2);
    expect(dueAtOf(retried)).toBe(5000);
    expect(retryGroupOf(retried)).toBe('payment-service');
    // The origin stays the first delivery, however many times the record is retried.
    expect(originOf(retried, 'payment.commands')).toEqual({
      topic: 'payment.commands',
      partition: 2,
      offset: 41,
      timestamp: 1_700_000_000_000,
    });
    const again = retryHeaders(
      retried,
      originOf(retried, 'payment.commands'),
      'payment-service',
      3,
      9000,
      failure,
    );
    expect(again.filter((x) => x.key === 'kafka_original-offset')).toHaveLength(1);
    expect(again.filter((x) => x.key === 'retry_topic-attempts')).toHaveLength(1);
    expect(decodeDlqHeaders(again)).toMatchObject({
      convention: 'spring-retry-topic',
      originOffset: 41,
      attempts: 3,
    });
  });

  it('a dead letter carries Spring DLT headers that decode to the first delivery, plus the original headers', () => {
    const first = record();
    const retried = record({
      topic: 'payment.commands-retry',
      offset: 9,
      headers: retryHeaders(first, originOf(first, 'payment.commands'), 'payment-service', 3, 0, failure),
    });
    const h = deadLetterHeaders(
      retried,
      originOf(retried, 'payment.commands'),
      'payment-service',
      3,
      failure,
    );
    expect(decodeDlqHeaders(h, 'payment.commands-dlt')).toMatchObject({
      convention: 'spring',
      originTopic: 'payment.commands',
      originPartition: 2,
      originOffset: 41,
      originTimestamp: 1_700_000_000_000,
      originGroup: 'payment-service',
      errorClass: 'AppError.gateway_timeout',
      errorMessage: 'timed out',
      attempts: 3,
      problems: [],
    });
    expect(lastHeader(h, 'ce_type')?.toString()).toBe('AuthorizePayment');
  });
});
