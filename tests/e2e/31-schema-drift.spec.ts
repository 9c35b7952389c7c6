import { expect, test } from '@playwright/test';
import { createKafkaBus } from '../../lib/bus/index.ts';
import { TailPage } from './pages/tail-page.ts';
import { shopTopic } from './support/env.ts';
import { COLLECTOR_URL, uniqueId } from './support/stack.ts';

// A producer changes a field's type mid-stream: the record where it happened is flagged, the
// inspector's schema panel shows it, and the collector's metric counts it.

test('a changed field type mid-stream is flagged on the record, in the schema panel and in the metric', async ({
  page,
  request,
}) => {
  test.skip(!process.env.KAFKA_BROKERS, 'needs KAFKA_BROKERS: only a raw producer can write such records');
  const topic = shopTopic(uniqueId('e2e-drift'));
  const bus = createKafkaBus({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'causeway-e2e' });
  try {
    await bus.admin.ensureTopics([{ topic, numPartitions: 1 }]);
    const tail = new TailPage(page);
    await tail.openFiltered({ topics: topic });
    const headers = {
      ce_type: 'PriceQuoted',
      ce_specversion: '1.0',
      ce_source: 'e2e',
      'content-type': 'application/json',
    };
    await bus.produce([
      {
        topic,
        key: 'q-1',
        value: JSON.stringify({ quoteId: 'q-1', amount: 10 }),
        headers: { ...headers, ce_id: uniqueId('ce') },
      },
      {
        topic,
        key: 'q-2',
        value: JSON.stringify({ quoteId: 'q-2', amount: 11 }),
        headers: { ...headers, ce_id: uniqueId('ce') },
      },
      {
        topic,
        key: 'q-3',
        value: JSON.stringify({ quoteId: 'q-3', amount: '12.00' }),
        headers: { ...headers, ce_id: uniqueId('ce') },
      },
    ]);
    const row = tail.rowWithText('q-3').first();
    await expect(row).toBeVisible({ timeout: 15_000 });
    await row.click();
    const panel = tail.inspector().getByTestId('schema-history');
    await expect(panel).toBeVisible();
    await expect(panel.getByTestId('schema-drift')).toContainText('shape changed: amount number → string');
    await expect(panel.getByTestId('schema-drift')).toContainText(`${topic}:0:2`);
    await tail.screenshot('schema-drift');

    const metrics = await (await request.get(`${COLLECTOR_URL}/metrics`)).text();
    expect(metrics).toContain(
      `causeway_records_malformed_total{topic="${topic}",problem="schema_incompatible"} 1`,
    );
  } finally {
    await bus.close();
  }
});
