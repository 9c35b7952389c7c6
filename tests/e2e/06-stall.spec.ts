import { expect, test } from '@playwright/test';
import { AlertsPage } from './pages/alerts-page.ts';
import { ConsumersPage } from './pages/consumers-page.ts';
import { shopNamespace } from './support/env.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Runs last: it stalls every shop consumer. The stall fault keeps the members in their groups
// while nothing is committed, so a group with waiting records must read exactly STALL on the
// Consumers page (sorted first among this run's groups; STOP is the stop fault's status, not this
// one's) and raise ConsumerStalled on the Alerts page, which links back to the group.
//
// On a shared broker the collector sees other runs' groups too: only this run's namespace counts.
const ours = shopNamespace() ? `[data-group^="${shopNamespace()}"]` : '';

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
  const stalled = page.locator(`[data-testid="consumer-group"][data-status="STALL"]${ours}`).first();
  // The page polls; Burrow's evaluation needs a few lag polls to call it a stall.
  await expect(stalled).toBeVisible({ timeout: 3 * 60_000 });
  const groupId = await stalled.getAttribute('data-group');
  expect(groupId).toBeTruthy();
  // Worst first: a stalled group leads this run's groups, and none of them was stopped.
  await expect(page.locator(`[data-testid="consumer-group"]${ours}`).first()).toHaveAttribute(
    'data-status',
    'STALL',
  );
  await expect(page.locator(`[data-testid="consumer-group"][data-status="STOP"]${ours}`)).toHaveCount(0);
  await stalled.locator('[aria-expanded]').click();
  await expect(page.getByTestId('consumer-partition').first()).toBeVisible();
  await expect(page.getByTestId('sparkline').first()).toBeVisible();
  await consumers.screenshot('consumers');

  const alerts = new AlertsPage(page);
  await alerts.open('/alerts');
  // Pending as soon as the status is seen, firing once the rule's (scaled) `for:` has passed.
  const alert = alerts.alert('ConsumerStalled').filter({ hasText: groupId! }).first();
  await expect(alert).toBeVisible({ timeout: 2 * 60_000 });
  await expect(alert).toHaveAttribute('data-state', 'firing', { timeout: 60_000 });
  await expect(alert.getByTestId('alert-severity')).toHaveText('critical');
  await expect(alert.getByTestId('alert-summary')).toContainText(groupId!);
  await expect(alerts.alert('ConsumerStopped').filter({ hasText: groupId! })).toHaveCount(0);
  await alerts.screenshot('alerts');

  const link = alert.getByTestId('alert-link').first();
  await expect(link).toHaveAttribute('href', /\/consumers\?group=/);
  await link.click();
  await expect(page).toHaveURL(/\/consumers\?group=/);
  const selected = page.locator('.group-card.selected');
  await expect(selected).toHaveAttribute('data-group', groupId!);
  await expect(selected).toHaveAttribute('data-status', 'STALL');
});
