import { readFileSync } from 'node:fs';
import { expect, test, type Page } from '@playwright/test';
import { ConsolePage } from './pages/console-page.ts';
import { TailPage } from './pages/tail-page.ts';
import { shopTopic } from './support/env.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Lists that end (issue 16 point 5): chains and sagas page past their first 50 / 100 rows by the
// server's cursor; every list has a time range, a refresh control and export; the live tail has
// column headers, a payload preview, searches back when a filter is applied, and shows the
// collector's refusal of a filter it cannot apply. Runs after the stall spec: waits are generous.

test.use({ actionTimeout: 20_000 });

/** Enough orders that chains (50 a page) and sagas (100 a page) need a second page. */
const ORDERS = 105;

async function loadedCount(page: Page, testid: string): Promise<number> {
  return Number(await page.getByTestId(testid).getAttribute('data-loaded'));
}

test('chains and sagas page by cursor; time range, refresh and export work on every list', async ({
  page,
  request,
}) => {
  test.setTimeout(8 * 60_000);
  await setFaults(request, QUIET_FAULTS);
  const customer = uniqueId('e2e-lists');
  for (let i = 0; i < ORDERS; i += 15)
    await Promise.all(
      Array.from({ length: Math.min(15, ORDERS - i) }, () => placeOrder(request, { customerId: customer })),
    );

  const console = new ConsolePage(page);
  // Chains: 50 on the first page, more behind "Load more".
  await expect(async () => {
    await console.open('/chains');
    await expect(page.getByTestId('chain-paging')).toHaveAttribute('data-has-next', 'true', {
      timeout: 3_000,
    });
  }).toPass({ timeout: 3 * 60_000 });
  expect(await loadedCount(page, 'chain-paging')).toBe(50);
  await expect(page.getByTestId('chain-row')).toHaveCount(50);
  await page.getByTestId('chain-paging-more').click();
  await expect.poll(() => loadedCount(page, 'chain-paging')).toBeGreaterThan(50);
  await expect(page.getByTestId('chain-row')).toHaveCount(await loadedCount(page, 'chain-paging'));
  await console.screenshot('lists-chains-paged');

  // The time range is sent to the server as a lower bound.
  const ranged = page.waitForRequest((r) => r.url().includes('/api/chains?') && r.url().includes('from='));
  await page.getByTestId('chain-list-controls-range').selectOption('15m');
  await ranged;
  // Refresh now asks again; a paused auto-refresh is shown as paused.
  await page.getByTestId('chain-list-controls-refresh').selectOption('off');
  await expect(page.getByTestId('chain-list-controls-refresh')).toHaveValue('off');
  const again = page.waitForRequest((r) => r.url().includes('/api/chains?'));
  await page.getByTestId('chain-list-controls-refresh-now').click();
  await again;

  // Export: the CSV holds one line per row shown, with a header.
  const shown = await loadedCount(page, 'chain-paging');
  const download = page.waitForEvent('download');
  await page.getByTestId('chain-list-controls-export-csv').click();
  const csv = readFileSync(await (await download).path(), 'utf8')
    .trim()
    .split('\r\n');
  expect(csv[0]).toContain('"id"');
  expect(csv).toHaveLength(shown + 1);

  // Sagas: 100 on the first page, more behind "Load more".
  await expect(async () => {
    await console.open('/sagas');
    await expect(page.getByTestId('saga-paging')).toHaveAttribute('data-has-next', 'true', {
      timeout: 3_000,
    });
  }).toPass({ timeout: 3 * 60_000 });
  expect(await loadedCount(page, 'saga-paging')).toBe(100);
  await page.getByTestId('saga-paging-more').click();
  await expect.poll(() => loadedCount(page, 'saga-paging')).toBeGreaterThan(100);
  await expect(page.getByTestId('saga-row')).toHaveCount(await loadedCount(page, 'saga-paging'));
  const sagaJson = page.waitForEvent('download');
  await page.getByTestId('saga-list-controls-export-json').click();
  const sagas = JSON.parse(readFileSync(await (await sagaJson).path(), 'utf8')) as unknown[];
  expect(sagas).toHaveLength(await loadedCount(page, 'saga-paging'));
  await console.screenshot('lists-sagas-paged');

  // The dead letters have the same controls.
  await console.open('/dlq');
  await expect(page.getByTestId('dlq-list-controls-range')).toBeVisible();
  await expect(page.getByTestId('dlq-list-controls-refresh')).toBeVisible();
  await expect(page.getByTestId('dlq-list-controls-export-csv')).toBeVisible();
});

test('the live tail has headers and a preview, searches back, and shows a refused filter', async ({
  page,
  request,
}) => {
  test.setTimeout(4 * 60_000);
  await setFaults(request, QUIET_FAULTS);
  const tail = new TailPage(page);

  // A filter the collector cannot apply (a 5,000-character key) is refused where the user sees
  // it, and nothing streams under it.
  await tail.openFiltered({ key: 'k'.repeat(5_000) });
  await expect(tail.byTestId('tail-filter-refused')).toContainText('refused this filter');
  await expect(tail.byTestId('tail-filter-refused')).toContainText('key');
  await placeOrder(request, { customerId: uniqueId('e2e-tail-refused') });
  await expect(tail.rows()).toHaveCount(0);
  await tail.screenshot('tail-filter-refused');

  // Searching back: an order placed before the filter is applied shows among the earlier matches.
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-tail-back') });
  await expect(async () => {
    await tail.openFiltered({ key: orderId });
    await expect(tail.byTestId('tail-back-row').first()).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 90_000 });
  await expect(tail.byTestId('tail-filter-refused')).toHaveCount(0);
  const back = tail.byTestId('tail-back-row');
  expect(await back.count()).toBeGreaterThan(1);
  for (const key of await back.evaluateAll((els) => els.map((e) => e.getAttribute('data-key'))))
    expect(key).toBe(orderId);

  // Column headers over the stream, and a payload preview of the row in focus.
  await expect(tail.byTestId('tail-header')).toContainText('Topic');
  await expect(tail.byTestId('tail-header')).toContainText('Correlation');
  // The stream shows records arriving after it opened: open it, then place the order.
  await tail.openFiltered({ topics: shopTopic('orders.events') });
  const customerId = uniqueId('e2e-tail-live');
  const live = await placeOrder(request, { customerId });
  const row = tail.rowWithText(live).first();
  await expect(row).toBeVisible({ timeout: 60_000 });
  await row.click();
  await expect(tail.byTestId('tail-preview-value')).toContainText(customerId);
  await tail.screenshot('tail-headers-preview');
});
