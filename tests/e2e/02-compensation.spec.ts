import { expect, test } from '@playwright/test';
import { SagasPage } from './pages/sagas-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

test.beforeAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('an order whose payment is declined shows COMPENSATED with its compensation steps', async ({
  page,
  request,
}) => {
  // The shop declines every payment of a `decline-` customer.
  const orderId = await placeOrder(request, { customerId: uniqueId('decline-e2e') });
  const sagas = new SagasPage(page);
  await expect(async () => {
    await sagas.openSaga(orderId);
  }).toPass({ timeout: 30_000 });
  await expect(sagas.byTestId('saga-detail')).toHaveAttribute('data-state', 'COMPENSATED', {
    timeout: 60_000,
  });

  const compensations = page.locator('[data-testid="saga-step"][data-compensation="true"]');
  await expect(compensations.first()).toBeVisible();
  await expect(compensations.first()).toContainText('compensation');
  await expect(page.locator('[data-testid="saga-step"][data-status="FAILED"]').first()).toBeVisible();
  await sagas.screenshot('saga-compensated');

  // The list agrees and can be filtered to it.
  await sagas.open(`/sagas?state=COMPENSATED&type=order-fulfilment&q=${encodeURIComponent(orderId)}`);
  await expect(page.locator(`[data-testid="saga-row"][data-correlation-id="${orderId}"]`)).toHaveAttribute(
    'data-state',
    'COMPENSATED',
  );
});
