import { expect, test } from '@playwright/test';
import { ChainPage } from './pages/chain-page.ts';
import { SagasPage } from './pages/sagas-page.ts';
import { TailPage } from './pages/tail-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';
import { shopTopic } from './support/env.ts';

// The happy path an on-call engineer follows: a new order shows up live, its chain shows every
// hop of the orchestrated saga, and the saga is COMPLETED.

const EXPECTED_HOPS = [
  'OrderPlaced',
  'ReserveInventory',
  'InventoryReserved',
  'AuthorizePayment',
  'PaymentAuthorized',
  'PrepareShipment',
  'ShipmentPrepared',
  'OrderConfirmed',
];

test.beforeAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('a scripted order appears in the live tail within a second, its chain has every hop and its saga completes', async ({
  page,
  request,
}) => {
  const tail = new TailPage(page);
  await tail.openFiltered({ topics: shopTopic('orders.events') });

  const started = Date.now();
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-happy') });
  const row = tail.rowWithText(orderId).first();
  await expect(row).toBeVisible({ timeout: 5_000 });
  const latencyMs = Date.now() - started;
  test.info().annotations.push({
    type: 'tail latency',
    description: `${latencyMs} ms from POST /orders to the row on screen`,
  });
  expect(latencyMs, 'order visible in the live tail within a second').toBeLessThanOrEqual(1_000);
  await tail.screenshot('tail');

  // Click → inspector → its chain.
  await row.click();
  await expect(tail.inspector()).toBeVisible();
  await expect(tail.inspector().getByTestId('headers-cloudevents')).toBeVisible();
  await expect(tail.inspector().getByTestId('payload')).toContainText(orderId);
  await tail.inspector().getByTestId('inspector-chain-link').click();

  const chain = new ChainPage(page);
  await expect(chain.byTestId('chain-view')).toBeVisible();
  // The chain page polls while the flow is in progress.
  await expect(chain.byTestId('chain-view')).toHaveAttribute('data-status', 'complete', { timeout: 60_000 });
  await expect
    .poll(() => chain.hopLabels(), { timeout: 15_000 })
    .toEqual(expect.arrayContaining(EXPECTED_HOPS));
  // Every hop on screen is drawn with timing segments. The list renders only the rows in view and
  // re-renders them on the scroll event, so the rows are read in one go from the DOM as it is,
  // until the window at the top is in place and every hop row in it has its segments.
  await chain.byTestId('waterfall-list').evaluate((el) => (el.scrollTop = 0));
  await expect
    .poll(() =>
      page.locator('[data-testid="waterfall-list-row"]').evaluateAll((rows) => {
        const hops = rows.filter((r) => r.querySelector('[data-testid="waterfall-hop"]') !== null);
        return {
          top: rows.some((r) => r.getAttribute('data-index') === '0'),
          drawn: hops.length > 0 && hops.every((r) => r.querySelector('rect.seg') !== null),
        };
      }),
    )
    .toEqual({ top: true, drawn: true });
  const hops = Number(await chain.byTestId('waterfall-summary').getAttribute('data-hops'));
  expect(hops).toBeGreaterThanOrEqual(EXPECTED_HOPS.length);
  await chain.screenshot('chain');

  await chain.byTestId('tab-graph').click();
  await expect(chain.byTestId('graph-node').first()).toBeVisible();
  await chain.screenshot('chain-graph');

  const sagas = new SagasPage(page);
  await sagas.openSaga(orderId);
  await expect(sagas.byTestId('saga-detail')).toHaveAttribute('data-state', 'COMPLETED', { timeout: 30_000 });
  await expect(sagas.steps().first()).toBeVisible();
  await sagas.screenshot('saga-completed');
  await sagas.open('/sagas');
  await expect(sagas.byTestId('saga-table')).toBeVisible();
  await sagas.screenshot('sagas');
});

test('pausing the tail keeps the rows in place and counts what waits', async ({ page, request }) => {
  const tail = new TailPage(page);
  await tail.openFiltered({ topics: shopTopic('orders.events') });
  const first = await placeOrder(request, { customerId: uniqueId('e2e-pause') });
  await expect(tail.rowWithText(first).first()).toBeVisible({ timeout: 5_000 });
  await tail.pause();
  const shownBefore = await tail.rows().count();

  const second = await placeOrder(request, { customerId: uniqueId('e2e-pause') });
  const held = async () =>
    Number(
      (await tail.byTestId('tail-held').textContent())?.match(/([\d,]+) waiting/)?.[1]?.replace(/,/g, '') ??
        0,
    );
  await expect.poll(held, { timeout: 5_000 }).toBeGreaterThan(0);
  await expect(tail.rowWithText(second)).toHaveCount(0);
  expect(await tail.rows().count()).toBe(shownBefore);

  await tail.resume();
  await expect(tail.rowWithText(second).first()).toBeVisible();
  await expect(tail.byTestId('tail-dropped')).toHaveAttribute('data-count', '0');
});

test('scrolling up in the tail stops following so rows stay put; End follows again', async ({
  page,
  request,
}) => {
  const tail = new TailPage(page);
  await tail.openFiltered({});
  const scrollable = () => tail.list().evaluate((el) => el.scrollHeight > 2 * el.clientHeight);
  // Enough rows to scroll: every order writes records on several topics.
  for (let i = 0; i < 10 && !((await tail.list().count()) && (await scrollable())); i++) {
    const shown = (await tail.list().count()) ? (await tail.scrollState()).count : 0;
    await placeOrder(request, { customerId: uniqueId('e2e-follow') });
    await expect(tail.list()).toBeVisible({ timeout: 5_000 });
    // The order's records have arrived before the next look at the height.
    await expect
      .poll(async () => (await tail.scrollState()).count, { timeout: 5_000 })
      .toBeGreaterThan(shown);
  }
  expect(await scrollable(), 'enough rows to scroll').toBe(true);
  expect((await tail.scrollState()).atEnd, 'a new tail follows the newest row').toBe(true);

  // The reader scrolls to the top (retried: a redraw may land before the scroll is seen).
  await expect
    .poll(async () => {
      await tail.list().evaluate((el) => (el.scrollTop = 0));
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      return (await tail.scrollState()).scrollTop;
    })
    .toBe(0);
  const before = (await tail.scrollState()).count;
  await placeOrder(request, { customerId: uniqueId('e2e-follow') });
  await expect.poll(async () => (await tail.scrollState()).count, { timeout: 5_000 }).toBeGreaterThan(before);
  expect((await tail.scrollState()).scrollTop, 'scrolled away: new rows do not move the list').toBe(0);
  await expect(tail.rows().first()).toHaveAttribute('data-index', '0');

  await tail.list().focus();
  await page.keyboard.press('End');
  await expect.poll(async () => (await tail.scrollState()).atEnd).toBe(true);
  const atEnd = (await tail.scrollState()).count;
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-follow') });
  await expect.poll(async () => (await tail.scrollState()).count, { timeout: 5_000 }).toBeGreaterThan(atEnd);
  await expect.poll(async () => (await tail.scrollState()).atEnd).toBe(true);
  await expect(tail.rowWithText(orderId).last()).toBeVisible();
});
