import { expect, test } from '@playwright/test';
import { ConsolePage } from './pages/console-page.ts';
import { DlqPage } from './pages/dlq-page.ts';
import { placeOrder, uniqueId } from './support/stack.ts';

// Every page opens without a script error, shows its heading, and is saved as a screenshot. Runs
// after the flow specs, so the pages have data to show.

const PAGES: { path: string; name: string; heading: RegExp }[] = [
  { path: '/', name: 'overview', heading: /Overview/ },
  { path: '/tail', name: 'tail-unfiltered', heading: /Live tail/ },
  { path: '/chains', name: 'chains', heading: /Chains/ },
  { path: '/sagas', name: 'sagas-list', heading: /Sagas/ },
  { path: '/dlq', name: 'dlq-workbench', heading: /Dead letters/ },
  { path: '/consumers', name: 'consumers-ok', heading: /Consumers/ },
  { path: '/alerts', name: 'alerts-before-stall', heading: /Alerts/ },
  { path: '/alerts/runbook/ConsumerStalled', name: 'runbook', heading: /ConsumerStalled/ },
];

for (const p of PAGES) {
  test(`${p.path} opens cleanly`, async ({ page }) => {
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    const ui = new ConsolePage(page);
    const res = await page.goto(p.path);
    expect(res?.status()).toBe(200);
    expect(res?.headers()['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res?.headers()['x-content-type-options']).toBe('nosniff');
    await expect(page.getByRole('heading', { level: 1 })).toHaveText(p.heading);
    await expect(page.getByTestId('state-loading')).toHaveCount(0, { timeout: 15_000 });
    await expect(page.getByTestId('route-error')).toHaveCount(0);
    await expect(ui.byTestId('collector-status')).toHaveAttribute('data-state', /ok|degraded/);
    await ui.screenshot(p.name);
    expect(errors).toEqual([]);
  });
}

test('an unknown chain id says what to do instead of crashing', async ({ page }) => {
  const ui = new ConsolePage(page);
  await ui.open('/chains/no-such-order-e2e');
  // Not a chain id: the page searches the records for it instead and says that none holds it.
  await expect(ui.byTestId('chain-fallback')).toHaveAttribute('data-count', '0');
  await expect(ui.byTestId('chain-fallback-empty')).toContainText('No stored record contains it');
  await ui.screenshot('chain-not-found');
});

test('the flow map drills into a node', async ({ page }) => {
  const ui = new ConsolePage(page);
  await ui.open('/');
  const node = page.locator('[data-testid="flow-node"][data-kind="topic"]').first();
  await expect(node).toBeVisible({ timeout: 15_000 });
  await node.click();
  await expect(ui.byTestId('flow-node-detail')).toBeVisible();
  await ui.screenshot('overview-selected');
  await ui.byTestId('flow-drill-link').click();
  await expect(page).toHaveURL(/\/(tail|dlq)\?/);
});

test('the theme toggle switches and remembers dark mode', async ({ page }) => {
  const ui = new ConsolePage(page);
  await ui.open('/');
  const html = page.locator('html');
  while ((await ui.byTestId('theme-toggle').getAttribute('data-theme-choice')) !== 'dark') {
    await ui.byTestId('theme-toggle').click();
  }
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await page.reload();
  await expect(html).toHaveAttribute('data-theme', 'dark');
  await ui.screenshot('overview-dark');
  await ui.byTestId('theme-toggle').click();
  await expect(html).not.toHaveAttribute('data-theme', 'dark');
});

test('lists are keyboard usable: Enter opens a DLQ entry, Esc closes the tail inspector', async ({
  page,
  request,
}) => {
  const ui = new ConsolePage(page);
  // A dead letter of its own: the `poison-` customer hook makes payment reject the order's command.
  const orderId = await placeOrder(request, { customerId: uniqueId('poison-e2e-keys') });
  const dlq = new DlqPage(page);
  const row = dlq.rowForKey(orderId);
  await expect(async () => {
    await dlq.openWorkbench({ key: orderId });
    await expect(row).toBeVisible({ timeout: 2_000 });
  }).toPass({ timeout: 45_000 });
  await expect(page.getByTestId('dlq-entry')).toHaveCount(0);
  await row.focus();
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('dlq-entry')).toBeVisible();
  // The entry opened is the order's dead letter.
  await expect(page.getByTestId('record-inspector').getByTestId('payload')).toContainText(orderId);
  await ui.open('/tail');
  await expect(ui.byTestId('tail-connection')).toHaveAttribute('data-state', 'open');
  // The tail shows what arrives from now on.
  await placeOrder(request, { customerId: uniqueId('e2e-keys') });
  const list = page.getByTestId('tail-list');
  await expect(list).toBeVisible({ timeout: 15_000 });
  await list.focus();
  await page.keyboard.press('End');
  await page.keyboard.press('Enter');
  await expect(page.getByTestId('record-inspector')).toBeVisible();
  await page.keyboard.press('Escape');
  await expect(page.getByTestId('record-inspector')).toHaveCount(0);
});
