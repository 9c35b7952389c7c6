import { expect, test } from '@playwright/test';
import { AlertsPage } from './pages/alerts-page.ts';
import { ConsumersPage } from './pages/consumers-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Runs last: it stalls every shop consumer. A stalled group must read STALL on the Consumers page
// (sorted first) and raise ConsumerStalled on the Alerts page, which links back to the group.

test.afterAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('a stalled consumer shows STALL on Consumers and its alert on Alerts', async ({ page, request }) => {
  test.setTimeout(6 * 60_000);
  await setFaults(request, { ...QUIET_FAULTS, stallConsumer: true });
  // Lag needs records the stalled consumers do not process.
  for (let i = 0; i < 5; i++) await placeOrder(request, { customerId: uniqueId('e2e-stall') });

  const consumers = new ConsumersPage(page);
  await consumers.open('/consumers');
  const stalled = page.locator('[data-testid="consumer-group"][data-status="STALL"]').first();
  // The page polls; Burrow's evaluation needs a few lag polls to call it a stall.
  await expect(stalled).toBeVisible({ timeout: 3 * 60_000 });
  const groupId = await stalled.getAttribute('data-group');
  expect(groupId).toBeTruthy();
  // Worst first: the first group on the page is in error.
  await expect(consumers.groups().first()).toHaveAttribute('data-status', /STALL|STOP|REWIND/);
  await stalled.locator('[aria-expanded]').click();
  await expect(page.getByTestId('consumer-partition').first()).toBeVisible();
  await expect(page.getByTestId('sparkline').first()).toBeVisible();
  await consumers.screenshot('consumers');

  const alerts = new AlertsPage(page);
  await alerts.open('/alerts');
  // Pending as soon as the status is seen, firing once the rule's (scaled) `for:` has passed.
  const alert = alerts.alert('ConsumerStalled').first();
  await expect(alert).toBeVisible({ timeout: 2 * 60_000 });
  await expect(alert).toHaveAttribute('data-state', 'firing', { timeout: 60_000 });
  await expect(alert.getByTestId('alert-severity')).toHaveText('critical');
  await expect(alert.getByTestId('alert-summary')).not.toBeEmpty();
  await alerts.screenshot('alerts');

  const link = alert.getByTestId('alert-link').first();
  await expect(link).toHaveAttribute('href', /\/consumers\?group=/);
  await link.click();
  await expect(page).toHaveURL(/\/consumers\?group=/);
  await expect(page.locator('.group-card.selected')).toHaveAttribute('data-status', /STALL|STOP|WARN|OK/);
});
