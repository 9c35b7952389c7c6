import { readFile } from 'node:fs/promises';
import { expect, test } from '@playwright/test';
import { ChainPage } from './pages/chain-page.ts';
import { RecordsPage } from './pages/records-page.ts';
import { shopTopic } from './support/env.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Issue 16.1: browse and search records the way a Kafka UI does, and a chain search that finds
// records when what was typed is no chain id.

test.beforeAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('the records explorer lists topics by role, searches text, opens a record, seeks by offset, pages and exports', async ({
  page,
  request,
}) => {
  // The shop declines every payment of a `decline-` customer: "card declined by issuer: insufficient funds".
  const orderId = await placeOrder(request, { customerId: uniqueId('decline-e2e-records') });
  // Enough other orders that the newest-first list has a second page.
  for (let i = 0; i < 5; i++) await placeOrder(request, { customerId: uniqueId('e2e-records') });

  const records = new RecordsPage(page);
  await records.open('/');
  await page.getByTestId('nav-records').click();
  await expect(page).toHaveURL(/\/records/);

  await expect(records.topicRow(shopTopic('orders.events'))).toHaveAttribute('data-role', 'data');
  await expect(records.topicRow(shopTopic('customer.profiles'))).toHaveAttribute('data-role', 'compacted');
  await expect(records.topicRow(shopTopic('payment.commands-dlt'))).toHaveAttribute('data-role', 'dlq');
  await expect(
    records.topicRow(shopTopic('orders.events')).getByTestId('topic-partition').first(),
  ).toBeVisible();

  // Payload text and an id together: the decline of this one order.
  await records.searchUntilFound({ q: `insufficient funds ${orderId}` });
  await expect(records.byTestId('records-mode')).toHaveAttribute('data-mode', 'search');
  const declined = records.rows().filter({ hasText: 'PaymentDeclined' }).first();
  await expect(declined).toBeVisible();
  const recordId = (await declined.getAttribute('data-record-id'))!;
  await declined.click();
  await expect(records.inspector()).toHaveAttribute('data-record-id', recordId);
  await expect(records.inspector().getByTestId('payload')).toContainText('insufficient funds');
  await expect(records.inspector().getByTestId('payload')).toContainText(orderId);
  await records.screenshot('records-search');

  // Seek the record's partition at its offset: it comes first, later offsets after it.
  const [topic, partition, offset] = recordId.split(':');
  await records.search({ topic: topic!, partition: Number(partition), offset: Number(offset) });
  await expect(records.byTestId('records-mode')).toHaveAttribute('data-mode', 'offset');
  await expect(records.rows().first()).toHaveAttribute('data-record-id', recordId);
  const offsets = await records
    .rows()
    .evaluateAll((rows) => rows.map((r) => Number(r.getAttribute('data-offset'))));
  expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
  await records.screenshot('records-offset-seek');

  // By key: every record of the order (the shop keys by order id).
  await records.searchUntilFound({ key: orderId });
  // The previous result stays on screen until the new one arrives: wait for the keys, not a row.
  await expect
    .poll(async () => [...new Set(await records.rows().getByTestId('record-key').allTextContents())])
    .toEqual([orderId]);
  await expect(page).toHaveURL(new RegExp(`key=${orderId}`));

  // Newest first over everything: a full page, then the next one through the cursor.
  await expect(async () => {
    await records.search({ topic: shopTopic('orders.events') });
    await records.search({});
    await expect(records.byTestId('records-count')).toHaveAttribute('data-count', '50', { timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  await expect(records.byTestId('records-mode')).toHaveAttribute('data-mode', 'latest');
  await records.byTestId('records-more').click();
  await expect.poll(() => records.loadedCount()).toBeGreaterThan(50);
  const loaded = await records.loadedCount();
  const ids = await records.rows().evaluateAll((rows) => rows.map((r) => r.getAttribute('data-record-id')));
  expect(new Set(ids).size, 'no record twice across pages').toBe(loaded);

  const [json] = await Promise.all([page.waitForEvent('download'), records.byTestId('export-json').click()]);
  const exported = JSON.parse(await readFile(await json.path(), 'utf8')) as { id: string }[];
  expect(exported.map((r) => r.id)).toEqual(ids);
  const [csv] = await Promise.all([page.waitForEvent('download'), records.byTestId('export-csv').click()]);
  const lines = (await readFile(await csv.path(), 'utf8')).trimEnd().split('\r\n');
  expect(lines[0]).toMatch(/^id,topic,partition,offset,timestamp,key,/);
  expect(lines.length).toBe(loaded + 1);
});

test('the chain search finds records for text, a customer key or an id prefix instead of failing', async ({
  page,
  request,
}) => {
  const customerId = uniqueId('decline-e2e-lookup');
  const orderId = await placeOrder(request, { customerId });
  const chains = new ChainPage(page);
  const lookup = async (text: string) => {
    await expect(async () => {
      await chains.open('/chains');
      await chains.byTestId('chain-search-input').fill(text);
      await chains.byTestId('chain-search-submit').click();
      await expect(page.locator(`[data-testid="chain-fallback-chain"]`, { hasText: orderId })).toBeVisible({
        timeout: 3_000,
      });
    }).toPass({ timeout: 30_000 });
    await expect(page.getByText('Could not load')).toHaveCount(0);
  };

  await lookup('insufficient funds');
  await expect(chains.byTestId('chain-fallback-records').getByTestId('record-row').first()).toBeVisible();
  await chains.screenshot('chain-search-fallback');
  await lookup(customerId);
  // An order id cut short inside a word, as when half of it was copied.
  await lookup(orderId.slice(0, 11));

  // Following a listed chain opens it.
  await page.locator('[data-testid="chain-fallback-chain"]', { hasText: orderId }).first().click();
  await expect(chains.byTestId('chain-view')).toHaveAttribute('data-chain-id', orderId);
});
