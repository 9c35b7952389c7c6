import { afterEach, describe, expect, it } from 'vitest';
import { alertsResponseSchema } from '../../lib/api/alerts.ts';
import { encodeSpringDltHeaders } from '../../lib/events/dlq.ts';
import { uniqueName, waitFor } from '../../lib/testing/wait-for.ts';
import { createDlqEntry } from '../dlq/entries.ts';
import { createSqliteStore } from '../store/sqlite/index.ts';
import { newRecord } from '../store/testing.ts';
import { startTestCollector } from '../testing.ts';

// The first dead letter after a collector start must alert: the per-topic counter series exists at
// 0 for pairs the store already knows, and a pair never seen before fires through the rule's
// new-series branch (here through the native evaluator, on the collector's own registry).

const stops: (() => Promise<void>)[] = [];
afterEach(async () => {
  await Promise.all(stops.splice(0).map((s) => s()));
});

describe('dead-letter counter after a start', () => {
  it('starts the series of every dead-letter topic pair the store knows at 0', async () => {
    const store = createSqliteStore({ path: ':memory:' });
    await store.transaction(async (tx) => {
      const rec = await tx.records.insert(
        newRecord(0, {
          topic: 'orders-dlt',
          dlq: { convention: 'spring', originTopic: 'orders', problems: [] },
        }),
      );
      await createDlqEntry(tx, rec!, null);
    });
    const t = await startTestCollector({ deps: { store } });
    stops.push(t.stop);
    expect(await t.collector.registry.metrics()).toContain(
      'causeway_dlq_records_total{dlq_topic="orders-dlt",origin_topic="orders"} 0',
    );
  });

  it('fires DeadLetterRecords on the first dead letter of a pair never seen before', async () => {
    const t = await startTestCollector({ env: { ALERT_EVAL_INTERVAL_MS: '100' } });
    stops.push(t.stop);
    const ns = uniqueName('first');
    const [origin, dlt] = [`${ns}.payments`, `${ns}.payments-dlt`];
    await t.bus.admin.createTopics([
      { topic: origin, numPartitions: 1 },
      { topic: dlt, numPartitions: 1 },
    ]);
    await t.bus.produce([
      {
        topic: dlt,
        key: 'k',
        value: '{}',
        headers: encodeSpringDltHeaders({
          originTopic: origin,
          originPartition: 0,
          originOffset: 0,
          originTimestamp: Date.now(),
          group: 'payment',
          error: { fqcn: 'Boom', message: 'boom' },
        }),
      },
    ]);
    const alert = await waitFor(
      async () =>
        alertsResponseSchema
          .parse((await t.api('/api/alerts')).body)
          .alerts.find((a) => a.labels.alertname === 'DeadLetterRecords' && a.labels.dlq_topic === dlt),
      { what: 'DeadLetterRecords firing', timeoutMs: 15_000 },
    );
    expect(alert).toMatchObject({ state: 'firing', labels: { origin_topic: origin }, value: '1e+00' });
  });
});
