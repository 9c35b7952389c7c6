import { expect, test } from '@playwright/test';
import { dlqEntryDetailSchema } from '../../lib/api/dlq.ts';
import { DlqPage } from './pages/dlq-page.ts';
import { SagasPage } from './pages/sagas-page.ts';
import {
  collectorGet,
  explainOrder,
  OPERATOR_TOKEN,
  placeOrder,
  QUIET_FAULTS,
  setFaults,
  uniqueId,
} from './support/stack.ts';
import { shopTopic } from './support/env.ts';

// A poison command lands in payment.commands-dlt. The operator finds it, fixes the cause (turns
// the fault off), replays it — with a double click — and sees it processed and the order complete.
//
// The poison is switched on with the shop's `poisonRate` fault rather than a `poison-` customer:
// the customer hook poisons that order's payment every time, so its replay could never succeed.

test.afterAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('a poison message is shown decoded, and one replay (even on a double click) completes the order', async ({
  page,
  request,
}) => {
  await setFaults(request, { ...QUIET_FAULTS, poisonRate: 1 });
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-dlq') });

  const dlq = new DlqPage(page);
  const row = dlq.rowForKey(orderId);
  await explainOrder(
    request,
    orderId,
    expect(async () => {
      await dlq.openWorkbench({ key: orderId });
      await expect(row).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout: 45_000 }),
  );
  // The cause is fixed before anything is replayed.
  await setFaults(request, { poisonRate: 0 });

  await expect(row).toContainText(shopTopic('payment.commands'));
  await expect(dlq.byTestId('dlq-by-origin')).toContainText(shopTopic('payment.commands'));
  await dlq.openWorkbench();
  await expect(dlq.rowForKey(orderId)).toBeVisible();
  await dlq.screenshot('dlq');

  await dlq.openEntry(dlq.rowForKey(orderId));
  const entryId = await dlq.byTestId('dlq-entry').getAttribute('data-entry-id');
  expect(entryId).toBeTruthy();
  await expect(dlq.byTestId('dlq-origin-topic')).toHaveText(shopTopic('payment.commands'));
  await expect(dlq.byTestId('dlq-error-message')).not.toBeEmpty();
  await expect(dlq.byTestId('dlq-entry')).toContainText(/poison|cannot be processed/i);
  await expect(dlq.byTestId('record-inspector').getByTestId('headers-dlq')).toContainText(
    'kafka_dlt-original-topic',
  );

  // Without a token the button says why it cannot be pressed.
  await expect(dlq.replayButton()).toBeDisabled();
  await expect(dlq.byTestId('replay-disabled-reason')).toContainText('operator token');
  await dlq.screenshot('dlq-entry');

  await dlq.setOperatorToken(OPERATOR_TOKEN);
  await expect(dlq.replayButton()).toBeEnabled();
  // Every replay is confirmed against its dry run; the confirm is double-clicked.
  await dlq.replayButton().click();
  await expect(dlq.byTestId('replay-plan-target')).toContainText(shopTopic('payment.commands'));
  await dlq.byTestId('replay-confirm').dblclick();

  await expect(dlq.outcome()).toHaveAttribute('data-outcome', /^(processed|chain_completed)$/, {
    timeout: 60_000,
  });
  await expect(dlq.outcome()).toContainText('processed');
  await dlq.screenshot('dlq-replayed');

  // The double click replayed once: one replay in the audit, one produced record.
  const detail = await collectorGet(
    request,
    `/api/dlq/${encodeURIComponent(entryId!)}`,
    dlqEntryDetailSchema,
  );
  expect(detail.replays.filter((r) => r.status === 'produced')).toHaveLength(1);
  await expect(dlq.byTestId('replay-history-row')).toHaveCount(1);

  // And the order went on to complete.
  const sagas = new SagasPage(page);
  await sagas.openSaga(orderId);
  await expect(sagas.byTestId('saga-detail')).toHaveAttribute('data-state', 'COMPLETED', { timeout: 60_000 });
});
