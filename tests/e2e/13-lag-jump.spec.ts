import { expect, test } from '@playwright/test';
import { ConsumersPage } from './pages/consumers-page.ts';
import { RecordsPage } from './pages/records-page.ts';
import { ORDER_SAGA, SagasPage } from './pages/sagas-page.ts';
import { shopNamespace, shopTopic } from './support/env.ts';
import { recordsPageSchema } from '../../lib/api/records.ts';
import { sagasPageSchema } from '../../lib/api/sagas.ts';
import { TERMINAL_SAGA_STATES } from '../../lib/events/shop-events.ts';
import { waitFor } from '../../lib/testing/wait-for.ts';
import { collectorGet, placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Issue 16.6: lag is not a dead end. A lagging partition links to the record at its committed
// offset (the next one the group will read), and a waiting saga names the group that is late.

test.afterAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('a lagging partition opens the record it is stuck on', async ({ page, request }) => {
  test.setTimeout(3 * 60_000);
  await setFaults(request, { ...QUIET_FAULTS, stallConsumer: true });
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-lagjump') });
  const group = `${shopNamespace()}orchestrator-service`;
  const topic = shopTopic('orders.events');
  // The partition the order landed on (a lookup, not what is under test).
  const placed = await waitFor(
    async () =>
      (
        await collectorGet(
          request,
          `/api/records?topic=${encodeURIComponent(topic)}&key=${encodeURIComponent(orderId)}&limit=1`,
          recordsPageSchema,
        )
      ).items[0],
    { what: `OrderPlaced of ${orderId} stored` },
  );

  const consumers = new ConsumersPage(page);
  await consumers.open(`/consumers?group=${encodeURIComponent(group)}`);
  const link = page.locator(
    `[data-testid="partition-stuck-record"][href*="topic=${encodeURIComponent(topic)}&partition=${placed.partition}&"]`,
  );
  await expect(link).toBeVisible({ timeout: 60_000 });
  await consumers.screenshot('consumers-stuck-on');
  await link.click();

  const records = new RecordsPage(page);
  await expect(page).toHaveURL(/\/records\?.*offset=/);
  await expect(records.byTestId('records-mode')).toHaveAttribute('data-mode', 'offset');
  const url = new URL(page.url());
  const stuckId = `${url.searchParams.get('topic')}:${url.searchParams.get('partition')}:${url.searchParams.get('offset')}`;
  await expect(records.rows().first()).toHaveAttribute('data-record-id', stuckId);
  await expect(records.inspector()).toHaveAttribute('data-record-id', stuckId);
  // The stalled orchestrator has not read this order: it is at or after the offset it is stuck on.
  expect(placed.offset).toBeGreaterThanOrEqual(Number(url.searchParams.get('offset')));
  await expect(records.row(placed.id)).toBeVisible();
  await records.screenshot('records-stuck-record');
  await setFaults(request, QUIET_FAULTS);
  // The next test makes every consumer take 15 s per record: this order's saga ends first, so
  // none of its records queue ahead of that test's order (in a full run, records queued there were
  // the likely reason that test's 60 s wait for its saga once ran out).
  await waitFor(
    async () =>
      (
        await collectorGet(
          request,
          `/api/sagas?q=${encodeURIComponent(orderId)}&type=${ORDER_SAGA}`,
          sagasPageSchema,
        )
      ).items.find((s) => s.correlationId === orderId && TERMINAL_SAGA_STATES.has(s.state)),
    { what: `saga of ${orderId} ended`, timeoutMs: 90_000 },
  );
});

test('a waiting saga names the consumer group that is late', async ({ page, request }) => {
  test.setTimeout(3 * 60_000);
  // Every consumer takes 15 s per record: the saga waits on inventory while its command sits unread.
  await setFaults(request, { ...QUIET_FAULTS, processingDelayMs: 15_000 });
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-lategroup') });
  const sagas = new SagasPage(page);
  await expect(async () => {
    await sagas.openSaga(orderId);
  }).toPass({ timeout: 90_000 });
  const next = sagas.byTestId('saga-next-expected');
  await expect(next).toContainText('InventoryReserved');
  await expect(
    next.locator(`[data-testid="saga-late-group"][data-group="${shopNamespace()}inventory-service"]`),
  ).toBeVisible({ timeout: 20_000 });
  await sagas.screenshot('saga-late-group');
  await setFaults(request, QUIET_FAULTS);
});
