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

// Replay sharp edges (issue 16 point 4): a token is checked when it is entered; a replay shows
// its dry run before anything is sent; replaying a record whose saga already finished warns and
// needs an explicit acknowledgement; an entry can be discarded with an audited reason; a bulk
// replay shows its progress and each entry's result. Runs after the stall spec: every wait is
// generous because the shop's consumers may still be catching up.

// A click on a control that never becomes actionable fails in seconds, not at the test timeout.
test.use({ actionTimeout: 20_000 });

test.afterAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

/** Poisons `n` orders' payments into the DLT and waits until the workbench lists them. */
async function poisonedOrders(dlq: DlqPage, request: Parameters<typeof placeOrder>[0], n: number) {
  await setFaults(request, { ...QUIET_FAULTS, poisonRate: 1 });
  const ids: string[] = [];
  for (let i = 0; i < n; i++) ids.push(await placeOrder(request, { customerId: uniqueId('e2e-safe') }));
  for (const id of ids)
    await explainOrder(
      request,
      id,
      expect(async () => {
        await dlq.openWorkbench({ key: id });
        await expect(dlq.rowForKey(id)).toBeVisible({ timeout: 2_000 });
      }).toPass({ timeout: 90_000 }),
    );
  await setFaults(request, { poisonRate: 0 });
  return ids;
}

test('a wrong token is refused when entered; a replay is confirmed against its dry run; a finished saga warns', async ({
  page,
  request,
}) => {
  test.setTimeout(5 * 60_000);
  const dlq = new DlqPage(page);
  const [orderId, otherOrderId] = await poisonedOrders(dlq, request, 2);
  await dlq.openWorkbench({ key: orderId! });
  await dlq.openEntry(dlq.rowForKey(orderId!));
  const entryId = (await dlq.byTestId('dlq-entry').getAttribute('data-entry-id'))!;

  // The token is checked at once: a wrong one is named wrong and not kept.
  await dlq.byTestId('token-button').click();
  await dlq.byTestId('token-input').fill('not-the-operator-token');
  await dlq.byTestId('token-save').click();
  await expect(dlq.byTestId('token-error')).toContainText('refused this token');
  await expect(dlq.byTestId('token-dialog')).toBeVisible();
  await dlq.screenshot('replay-token-refused');
  await dlq.byTestId('token-input').fill(OPERATOR_TOKEN);
  await dlq.byTestId('token-save').click();
  await expect(dlq.byTestId('token-button')).toHaveAttribute('data-has-token', 'true');
  await expect(dlq.byTestId('token-dialog')).toBeHidden();

  // The dry run says where the record goes, with which key, and what the loop guard allows.
  await dlq.replayButton().click();
  await expect(dlq.byTestId('replay-plan-target')).toContainText(shopTopic('payment.commands'));
  await expect(dlq.byTestId('replay-plan-key')).toHaveText(orderId!);
  await expect(dlq.byTestId('replay-plan-guard')).toContainText('3 of 3 replays left');
  await expect(dlq.byTestId('replay-plan-headers')).toContainText(/\d+ headers/);
  await expect(dlq.byTestId('replay-warning')).toHaveCount(0);
  await dlq.screenshot('replay-dry-run');
  // Cancelling sends nothing.
  await dlq.byTestId('replay-cancel').click();
  await expect(dlq.byTestId('replay-confirm-dialog')).toBeHidden();
  const untouched = await collectorGet(
    request,
    `/api/dlq/${encodeURIComponent(entryId)}`,
    dlqEntryDetailSchema,
  );
  expect(untouched.replays).toHaveLength(0);

  await dlq.replayButton().click();
  await dlq.byTestId('replay-confirm').click();
  await expect(dlq.outcome()).toHaveAttribute('data-outcome', /^(processed|chain_completed)$/, {
    timeout: 90_000,
  });
  const sagas = new SagasPage(page);
  await sagas.openSaga(orderId!);
  await expect(sagas.byTestId('saga-detail')).toHaveAttribute('data-state', 'COMPLETED', { timeout: 90_000 });

  // Replaying it again would act on a finished order: the dry run warns, and the confirm waits
  // for an explicit acknowledgement.
  await dlq.open(`/dlq/${encodeURIComponent(entryId)}`);
  await dlq.byTestId('replay-again-button').click();
  await expect(dlq.byTestId('replay-warning').first()).toContainText('already finished as COMPLETED');
  await expect(dlq.byTestId('replay-plan-guard')).toContainText('2 of 3 replays left');
  await expect(dlq.byTestId('replay-confirm')).toBeDisabled();
  await dlq.byTestId('replay-ack-terminal').locator('input').check();
  await expect(dlq.byTestId('replay-confirm')).toBeEnabled();
  await dlq.screenshot('replay-terminal-saga-warning');
  await dlq.byTestId('replay-cancel').click();
  // Its processed replay closed the entry: nothing is left to resolve.
  await expect(dlq.byTestId('dlq-entry-status')).toContainText('resolved');
  await expect(dlq.byTestId('discard-button')).toBeDisabled();

  // The other poisoned order's payment is discarded instead, with a reason the audit keeps.
  await dlq.openWorkbench({ key: otherOrderId! });
  await dlq.openEntry(dlq.rowForKey(otherOrderId!));
  const otherEntryId = (await dlq.byTestId('dlq-entry').getAttribute('data-entry-id'))!;
  await dlq.byTestId('discard-button').click();
  await expect(dlq.byTestId('resolve-confirm')).toBeDisabled();
  await dlq.byTestId('resolve-reason').fill('customer cancelled by phone; charging now would double-charge');
  await dlq.byTestId('resolve-actor').fill('e2e on-call');
  await dlq.byTestId('resolve-confirm').click();
  const audit = dlq.byTestId('resolution-row');
  await expect(audit).toHaveCount(1);
  await expect(audit).toContainText('Discarded by operator (e2e on-call)');
  await expect(audit).toContainText('double-charge');
  await expect(dlq.byTestId('dlq-entry-status')).toContainText('resolved');
  await expect(dlq.byTestId('discard-button')).toBeDisabled();
  await dlq.screenshot('replay-discarded');
  const after = await collectorGet(
    request,
    `/api/dlq/${encodeURIComponent(otherEntryId)}`,
    dlqEntryDetailSchema,
  );
  expect(after.status).toBe('resolved');
  expect(after.resolutions).toEqual([
    expect.objectContaining({ action: 'discarded', resolvedBy: 'operator (e2e on-call)' }),
  ]);
  expect(after.replays).toHaveLength(0);
  // The replayed one was replayed once and never discarded.
  const replayed = await collectorGet(
    request,
    `/api/dlq/${encodeURIComponent(entryId)}`,
    dlqEntryDetailSchema,
  );
  expect(replayed.replays.filter((r) => r.status === 'produced')).toHaveLength(1);
  expect(replayed.resolutions).toHaveLength(0);
});

test('a bulk replay shows its progress and the result of every entry', async ({ page, request }) => {
  test.setTimeout(5 * 60_000);
  const dlq = new DlqPage(page);
  const ids = await poisonedOrders(dlq, request, 2);
  await dlq.openWorkbench();
  await dlq.setOperatorToken(OPERATOR_TOKEN);
  for (const id of ids) await dlq.rowForKey(id).getByTestId('dlq-select').check();
  await dlq.byTestId('bulk-replay-selected').click();
  await expect(dlq.byTestId('bulk-summary')).toContainText('2 of 2 records will be replayed');
  await dlq.byTestId('bulk-confirm').click();
  const progress = dlq.byTestId('bulk-progress');
  await expect(progress).toHaveAttribute('data-state', 'done', { timeout: 60_000 });
  await expect(progress).toHaveAttribute('data-done', '2');
  await expect(dlq.byTestId('bulk-counts')).toContainText('2 produced · 0 failed · 0 refused · 0 waiting');
  await expect(dlq.page.locator('[data-testid="bulk-item"][data-status="produced"]')).toHaveCount(2);
  await dlq.screenshot('replay-bulk-progress');
});
