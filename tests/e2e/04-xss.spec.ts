import { expect, test, type Page } from '@playwright/test';
import { createKafkaBus } from '../../lib/bus/index.ts';
import { ChainPage } from './pages/chain-page.ts';
import { TailPage } from './pages/tail-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';
import { shopTopic } from './support/env.ts';

// Untrusted text (keys, headers, payloads, topic names) must render as text. Markup goes through
// the whole path — producer, broker, collector, REST and WebSocket, console — and nothing may run.

const IMG = `<img src=x onerror="window.__xss=1;alert(1)">`;
const SCRIPT = `<script>window.__xss=1;alert(2)</script>`;
/** Fits the shop's 64-character sku limit. */
const SKU = `<img src=x onerror=window.__xss=1>`;

function watchForExecution(page: Page): string[] {
  const dialogs: string[] = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  return dialogs;
}

async function expectNothingRan(page: Page, dialogs: string[]) {
  expect(dialogs, 'no alert() ran').toEqual([]);
  expect(await page.evaluate(() => (window as unknown as { __xss?: unknown }).__xss)).toBeUndefined();
  // Markup was not parsed into elements.
  await expect(page.locator('img[src="x"]')).toHaveCount(0);
  await expect(page.locator('main script')).toHaveCount(0);
}

test.beforeAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('markup in an order payload is shown as text in the tail, the inspector and the chain', async ({
  page,
  request,
}) => {
  const dialogs = watchForExecution(page);
  const tail = new TailPage(page);
  await tail.openFiltered({ topics: shopTopic('orders.events') });
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-xss'), sku: SKU });
  const row = tail.rowWithText(orderId).first();
  await expect(row).toBeVisible({ timeout: 5_000 });
  await row.click();
  await expect(tail.inspector().getByTestId('payload')).toContainText(SKU);
  await expectNothingRan(page, dialogs);

  const chain = new ChainPage(page);
  await chain.search(orderId);
  await expect(chain.byTestId('chain-view')).toBeVisible();
  await expectNothingRan(page, dialogs);
});

test('markup in a record key, header and payload on any topic is shown as text', async ({ page }) => {
  test.skip(
    !process.env.KAFKA_BROKERS,
    'needs KAFKA_BROKERS: only a raw producer can set arbitrary keys and headers',
  );
  const dialogs = watchForExecution(page);
  const topic = shopTopic(uniqueId('e2e-xss'));
  const bus = createKafkaBus({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'causeway-e2e' });
  try {
    await bus.admin.ensureTopics([{ topic, numPartitions: 1 }]);
    const tail = new TailPage(page);
    await tail.openFiltered({ topics: topic });
    await bus.produce([
      {
        topic,
        key: SCRIPT,
        value: JSON.stringify({ note: IMG, script: SCRIPT }),
        headers: { 'x-evil': IMG, ce_type: SCRIPT },
      },
    ]);
    const row = tail.rows().first();
    await expect(row).toBeVisible({ timeout: 15_000 });
    await expect(row).toContainText('<script>');
    await row.click();
    const inspector = tail.inspector();
    await expect(inspector.getByTestId('inspector-key')).toContainText(SCRIPT);
    await expect(inspector.getByTestId('headers-other')).toContainText(IMG);
    await expect(inspector.getByTestId('payload')).toContainText('<img src=x onerror=');
    await tail.screenshot('xss');
    await expectNothingRan(page, dialogs);

    await inspector.getByTestId('inspector-chain-link').click();
    await expect(page.getByTestId('chain-view').or(page.getByTestId('state-error'))).toBeVisible();
    await expectNothingRan(page, dialogs);
  } finally {
    await bus.admin.deleteTopics([topic]).catch(() => undefined);
    await bus.close();
  }
});
