import { describe, expect, it } from 'vitest';
import {
  decodeDlqHeaders,
  encodeSpringDltHeaders,
  isDlqTopicName,
  isRetryTopicName,
  originFromTopicName,
} from './dlq.ts';
import { encodeInt32BE, encodeInt64BE, normalizeHeaders } from './headers.ts';

describe('DLQ conventions', () => {
  it('round-trips Spring blocking headers with binary ints', () => {
    const headers = encodeSpringDltHeaders({
      originTopic: 'payment.commands',
      originPartition: 4,
      originOffset: 123456789012,
      originTimestamp: 1_700_000_000_000,
      group: 'payment-service',
      error: { fqcn: 'shop.PoisonMessageError', message: 'cannot parse', stack: 'at x' },
      attempts: 3,
    });
    expect(headers.find((h) => h.key === 'kafka_dlt-original-partition')!.value).toHaveLength(4);
    expect(decodeDlqHeaders(headers)).toEqual({
      convention: 'spring',
      originTopic: 'payment.commands',
      originPartition: 4,
      originOffset: 123456789012,
      originTimestamp: 1_700_000_000_000,
      originGroup: 'payment-service',
      errorClass: 'shop.PoisonMessageError',
      errorMessage: 'cannot parse',
      errorStack: 'at x',
      attempts: 3,
      problems: [],
    });
  });

  it('takes the last Spring dlt header after republishing, the first original header for retry topics', () => {
    const spring = normalizeHeaders([
      { key: 'kafka_dlt-original-topic', value: Buffer.from('a') },
      { key: 'kafka_dlt-original-topic', value: Buffer.from('b') },
    ]);
    expect(decodeDlqHeaders(spring)?.originTopic).toBe('b');
    const retry = normalizeHeaders([
      { key: 'kafka_original-topic', value: Buffer.from('first') },
      { key: 'kafka_original-topic', value: Buffer.from('second') },
      { key: 'kafka_original-partition', value: encodeInt32BE(2) },
      { key: 'kafka_original-offset', value: encodeInt64BE(9) },
      { key: 'retry_topic-attempts', value: encodeInt32BE(2) },
    ]);
    expect(decodeDlqHeaders(retry)).toMatchObject({
      convention: 'spring-retry-topic',
      originTopic: 'first',
      originPartition: 2,
      originOffset: 9,
      attempts: 2,
    });
  });

  it('reads Kafka Connect string headers and SmallRye headers', () => {
    const connect = normalizeHeaders({
      '__connect.errors.topic': 'orders',
      '__connect.errors.partition': '1',
      '__connect.errors.offset': '77',
      '__connect.errors.exception.class.name': 'org.apache.kafka.connect.errors.DataException',
      '__connect.errors.exception.message': 'bad schema',
    });
    expect(decodeDlqHeaders(connect)).toMatchObject({
      convention: 'kafka-connect',
      originTopic: 'orders',
      originPartition: 1,
      originOffset: 77,
      errorClass: 'org.apache.kafka.connect.errors.DataException',
    });
    const smallrye = normalizeHeaders({
      'dead-letter-reason': 'boom',
      'dead-letter-topic': 't',
      'dead-letter-offset': '5',
    });
    expect(decodeDlqHeaders(smallrye)).toMatchObject({
      convention: 'smallrye',
      originTopic: 't',
      originOffset: 5,
      errorMessage: 'boom',
    });
  });

  it('never reads the text positions of Connect or SmallRye as binary ints', () => {
    const d = decodeDlqHeaders(
      normalizeHeaders({ '__connect.errors.topic': 'orders', '__connect.errors.partition': 'zero' }),
    )!;
    expect(d.originPartition).toBeUndefined();
    expect(d.problems).toEqual([expect.stringContaining('__connect.errors.partition')]);
  });

  it('reports broken header values instead of throwing', () => {
    const broken = normalizeHeaders([
      { key: 'kafka_dlt-original-partition', value: Buffer.from([1, 2, 3]) },
      { key: 'kafka_dlt-exception-message', value: Buffer.from([0xff]) },
    ]);
    const d = decodeDlqHeaders(broken)!;
    expect(d.convention).toBe('spring');
    expect(d.originPartition).toBeUndefined();
    expect(d.problems).toHaveLength(2);
  });

  it('recognises DLQ and retry topics by name', () => {
    for (const t of ['orders-dlt', 'orders.DLT', 'orders-dlq', 'orders.dlq'])
      expect(isDlqTopicName(t)).toBe(true);
    expect(isDlqTopicName('orders-retry')).toBe(false);
    expect(isRetryTopicName('orders-retry-1000')).toBe(true);
    expect(originFromTopicName('payment.commands-dlt')).toBe('payment.commands');
    expect(decodeDlqHeaders([], 'x.dlq')).toMatchObject({ convention: 'name-only', originTopic: 'x' });
    expect(decodeDlqHeaders([], 'plain')).toBeUndefined();
  });
});
