import { expect, test } from '@playwright/test';
import { alertActionsResponseSchema, rulesResponseSchema } from '../../lib/api/alerts.ts';
import { dlqPageSchema } from '../../lib/api/dlq.ts';
import { AlertsPage } from './pages/alerts-page.ts';
import { shopTopic } from './support/env.ts';
import {
  collectorGet,
  COLLECTOR_URL,
  OPERATOR_TOKEN,
  placeOrder,
  QUIET_FAULTS,
  setFaults,
  uniqueId,
} from './support/stack.ts';

// Alerts (issue 16 point 8): values read as numbers, the runbook is filled in for the alert it
// was opened from, and an alert can be acknowledged and silenced, with who, when and why kept.
// The stack runs without Prometheus, so silences are the collector's own (native).

test.use({ actionTimeout: 20_000 });

test.afterAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('a dead-letter alert shows a readable value, a filled-in runbook, and can be acknowledged and silenced', async ({
  page,
  request,
}) => {
  test.setTimeout(4 * 60_000);
  await setFaults(request, { ...QUIET_FAULTS, poisonRate: 1 });
  // The rule is an increase(): the first dead letter of a topic creates its counter, a later one
  // raises it. Two poisoned orders, the second after the first is stored, fire it on a fresh stack.
  const first = await placeOrder(request, { customerId: uniqueId('e2e-alert') });
  await expect(async () => {
    const page1 = await collectorGet(request, `/api/dlq?key=${encodeURIComponent(first)}`, dlqPageSchema);
    expect(page1.items).toHaveLength(1);
  }).toPass({ timeout: 90_000 });
  const origin = shopTopic('payment.commands');
  await expect
    .poll(async () => (await request.get(`${COLLECTOR_URL}/metrics`)).text(), { timeout: 30_000 })
    .toMatch(new RegExp(`causeway_dlq_records_total\\{[^}]*origin_topic="${origin.replace(/[.]/g, '\\.')}"`));
  // One evaluation of the rule after the counter exists, so the next dead letter is an increase.
  const seenAt = Date.now();
  await expect
    .poll(
      async () => {
        const rules = await collectorGet(request, '/api/alerts/rules', rulesResponseSchema);
        const rule = rules.rules.find((r) => r.name === 'DeadLetterRecords');
        return rule?.lastEvaluation ? Date.parse(rule.lastEvaluation) > seenAt : false;
      },
      { timeout: 30_000 },
    )
    .toBe(true);
  await placeOrder(request, { customerId: uniqueId('e2e-alert') });
  const alerts = new AlertsPage(page);
  const alert = page.locator(
    `[data-testid="alert"][data-alertname="DeadLetterRecords"]:has-text("${origin}")`,
  );
  await expect(async () => {
    await alerts.open('/alerts');
    await expect(alert.first()).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 2 * 60_000 });
  await setFaults(request, { poisonRate: 0 });
  const card = alert.first();

  // The value as a number people read: no exponent, the raw value kept in the tooltip.
  const value = card.getByTestId('alert-value');
  await expect(value).not.toHaveText(/e[+-]\d/);
  expect(Number((await value.textContent())!.replace(/,/g, ''))).toBeCloseTo(
    Number(await value.getAttribute('title')),
    1,
  );

  // Acknowledge, then silence, each with a reason; the card says who, until when and why.
  await alerts.setOperatorToken(OPERATOR_TOKEN);
  await card.getByTestId('alert-ack-button').click();
  await page.getByTestId('alert-action-comment').fill('looking at the payment poison');
  await page.getByTestId('alert-action-actor').fill('e2e on-call');
  await page.getByTestId('alert-action-confirm').click();
  await expect(card.getByTestId('alert-acked')).toContainText('Acknowledged by operator (e2e on-call)');
  await expect(card.getByTestId('alert-acked')).toContainText('looking at the payment poison');
  await card.getByTestId('alert-silence-button').click();
  await page.getByTestId('alert-silence-duration').selectOption({ label: '30 minutes' });
  await page.getByTestId('alert-action-comment').fill('known poison, fix deploying');
  await page.getByTestId('alert-action-confirm').click();
  await expect(card.getByTestId('alert-silenced')).toContainText('Silenced until');
  await expect(card.getByTestId('alert-silenced')).toContainText('known poison, fix deploying');
  await expect(card).toHaveAttribute('data-silenced', 'true');
  await alerts.screenshot('alerts-acked-silenced');
  const audit = await collectorGet(request, '/api/alerts/actions', alertActionsResponseSchema);
  const silence = audit.actions.find((a) => a.comment === 'known poison, fix deploying');
  expect(silence).toMatchObject({ kind: 'silence', via: 'native', createdBy: 'operator' });
  expect(silence!.endsAt! - silence!.startsAt).toBe(30 * 60_000);
  expect(silence!.matchers).toContainEqual({ name: 'origin_topic', value: origin });

  // The runbook opened from this alert names its topics, not template code.
  await card.getByTestId('alert-runbook').click();
  await expect(page.getByTestId('runbook')).toBeVisible();
  await expect(page.getByTestId('runbook-summary')).toContainText(`Records from ${origin} are arriving on`);
  await expect(page.getByTestId('runbook')).not.toContainText('{{');
  await alerts.screenshot('alerts-runbook');
  // Opened bare (a bookmark), placeholders rather than template code.
  await alerts.open('/alerts/runbook/DeadLetterRecords');
  await expect(page.getByTestId('runbook-summary')).toContainText('‹origin_topic›');
  await expect(page.getByTestId('runbook')).not.toContainText('{{');
});
