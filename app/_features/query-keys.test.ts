import { describe, expect, it } from 'vitest';
import { alertKeys } from './alerts/api.ts';
import { chainKeys, chainPaths } from './chains/api.ts';
import { consumerKeys } from './consumers/api.ts';
import { dlqKeys, dlqPaths } from './dlq/api.ts';
import { healthKeys } from './health/api.ts';
import { topologyKeys } from './overview/api.ts';
import { recordKeys, recordPath } from './records/api.ts';
import { sagaKeys, sagaPaths } from './sagas/api.ts';
import { schemaKeys } from './schemas/api.ts';

const startsWith = (key: readonly unknown[], prefix: readonly unknown[]) =>
  prefix.every((p, i) => key[i] === p);

describe('query key factories', () => {
  it('give every resource its own root', () => {
    const roots = [
      alertKeys.all,
      chainKeys.all,
      consumerKeys.all,
      dlqKeys.all,
      healthKeys.all,
      topologyKeys.all,
      recordKeys.all,
      sagaKeys.all,
      schemaKeys.all,
    ].map((k) => k[0]);
    expect(new Set(roots).size).toBe(roots.length);
  });

  it('nest lists and details under their root, so one invalidation reaches them all', () => {
    const filter = { status: 'unresolved' as const };
    expect(startsWith(dlqKeys.list(filter), dlqKeys.lists())).toBe(true);
    expect(startsWith(dlqKeys.lists(), dlqKeys.all)).toBe(true);
    expect(startsWith(dlqKeys.detail('e1'), dlqKeys.all)).toBe(true);
    expect(startsWith(dlqKeys.groups({}), dlqKeys.all)).toBe(true);
    expect(startsWith(sagaKeys.detail('s'), sagaKeys.all)).toBe(true);
    expect(startsWith(chainKeys.list({}), chainKeys.lists())).toBe(true);
    expect(startsWith(recordKeys.detail('t:0:1'), recordKeys.details())).toBe(true);
  });

  it('distinguish filters by value', () => {
    expect(dlqKeys.list({ dlqTopic: 'a' })).not.toEqual(dlqKeys.list({ dlqTopic: 'b' }));
    expect(dlqKeys.list({ dlqTopic: 'a' })).toEqual(dlqKeys.list({ dlqTopic: 'a' }));
  });
});

describe('REST paths', () => {
  it('percent-encode ids and leave out empty filters', () => {
    expect(dlqPaths.replay('a/b')).toBe('/api/dlq/a%2Fb/replay');
    expect(dlqPaths.list({ dlqTopic: 'x-dlt', status: undefined })).toBe('/api/dlq?dlqTopic=x-dlt&limit=100');
    expect(dlqPaths.groups({})).toBe('/api/dlq/groups');
    expect(chainPaths.detail('orders.events:1:5')).toBe('/api/chains/orders.events%3A1%3A5');
    expect(recordPath('t:0:1')).toBe('/api/records/t%3A0%3A1');
    expect(sagaPaths.list({ stuck: true, state: 'STUCK' })).toBe(
      '/api/sagas?state=STUCK&stuck=true&limit=100',
    );
  });
});
