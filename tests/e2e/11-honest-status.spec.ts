import { expect, test, type Page } from '@playwright/test';
import { healthSchema, STUCK_JUDGEMENT_LAG_MS } from '../../lib/api/topology.ts';
import { ChainPage } from './pages/chain-page.ts';
import { SagasPage } from './pages/sagas-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Issue 16.2: complete is not success. A declined or out-of-stock order is a complete chain whose
// outcome is "cancelled" with its reason, never green; an order the orchestrator never took up is
// visible from its first event.

test.beforeAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});
test.afterAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

async function openChain(page: Page, orderId: string): Promise<ChainPage> {
  const chain = new ChainPage(page);
  await expect(async () => {
    await chain.open(`/chains/${encodeURIComponent(orderId)}`);
    await expect(chain.byTestId('chain-view')).toBeVisible({ timeout: 3_000 });
  }).toPass({ timeout: 30_000 });
  return chain;
}

test('declined and out-of-stock orders read complete · cancelled with the reason, never green', async ({
  page,
  request,
}) => {
  const declined = await placeOrder(request, { customerId: uniqueId('decline-e2e-honest') });
  const shortage = await placeOrder(request, { customerId: uniqueId('shortage-e2e-honest') });
  const ok = await placeOrder(request, { customerId: uniqueId('e2e-honest') });

  for (const [orderId, reason] of [
    [declined, /cancelled — .*declined.*insufficient funds/],
    [shortage, /cancelled — .*(stock|inventory)/i],
  ] as const) {
    const chain = await openChain(page, orderId);
    await expect(chain.byTestId('chain-view')).toHaveAttribute('data-status', 'complete', {
      timeout: 60_000,
    });
    await expect(chain.byTestId('chain-outcome')).toHaveAttribute('data-outcome', 'failed');
    await expect(chain.byTestId('chain-outcome')).toHaveText(reason);
    await expect(chain.byTestId('chain-status')).toHaveText('complete');
    await expect(chain.byTestId('chain-status')).not.toHaveClass(/badge-ok/);
    await expect(chain.byTestId('chain-outcome').locator('.badge')).toHaveClass(/badge-bad/);
  }
  await new ChainPage(page).screenshot('chain-outcome-cancelled');

  const good = await openChain(page, ok);
  await expect(good.byTestId('chain-view')).toHaveAttribute('data-status', 'complete', { timeout: 60_000 });
  await expect(good.byTestId('chain-outcome')).toHaveAttribute('data-outcome', 'succeeded');
  await expect(good.byTestId('chain-outcome')).toHaveText('confirmed');
  await expect(good.byTestId('chain-status')).toHaveClass(/badge-ok/);

  // The list says the same.
  await good.open('/chains');
  const row = page.locator('[data-testid="chain-row"]', { hasText: declined });
  await expect(row.getByTestId('chain-outcome')).toHaveAttribute('data-outcome', 'failed');
  await expect(row.getByTestId('chain-status')).not.toHaveClass(/badge-ok/);
  await good.screenshot('chains-list-outcomes');
});

test('an order the stalled orchestrator never consumed is visible as not started', async ({
  page,
  request,
}) => {
  test.setTimeout(4 * 60_000);
  await setFaults(request, { ...QUIET_FAULTS, stallConsumer: true });
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-unstarted') });
  const chain = await openChain(page, orderId);
  await expect(chain.byTestId('chain-outcome')).toHaveAttribute('data-outcome', 'open');
  await expect(chain.byTestId('chain-outcome')).toContainText('not started by orchestrator');
  await expect(chain.byTestId('chain-outcome')).toContainText('OrderPlaced');
  await chain.screenshot('chain-not-started');

  // Once the orchestrator moves again, the same chain completes and says so.
  await setFaults(request, QUIET_FAULTS);
  await expect(chain.byTestId('chain-view')).toHaveAttribute('data-status', 'complete', { timeout: 120_000 });
  await expect(chain.byTestId('chain-outcome')).toHaveAttribute('data-outcome', 'succeeded');
});

test('the sagas page says when STUCK is judged only up to an earlier time, and why', async ({ page }) => {
  const sagas = new SagasPage(page);
  // Caught up (the stack is idle between specs): STUCK is judged up to now, nothing to say.
  await expect(async () => {
    const health = healthSchema.parse(await (await page.request.get('/api/health')).json());
    expect(health.stuckJudgedThrough).not.toBeNull();
    expect(Date.now() - health.stuckJudgedThrough!).toBeLessThan(STUCK_JUDGEMENT_LAG_MS);
  }).toPass({ timeout: 60_000 });
  await sagas.open('/sagas');
  await expect(sagas.byTestId('saga-counts')).toBeVisible();
  await expect(sagas.byTestId('stuck-judgement')).toHaveCount(0);

  // What the page shows while the collector catches up, as its health would say it.
  let judged: number | null = Date.now() - 5 * 60_000;
  await page.route('**/api/health', async (route) => {
    const response = await route.fetch();
    const health = healthSchema.parse(await response.json());
    await route.fulfill({ response, json: { ...health, stuckJudgedThrough: judged } });
  });
  await sagas.open('/sagas');
  const notice = sagas.byTestId('stuck-judgement');
  await expect(notice).toContainText('STUCK is judged on events up to');
  await expect(notice).toContainText(/\(5m \d+s behind\)/);
  await sagas.screenshot('sagas-stuck-judged-behind');
  // The overview's count of stuck sagas says so too.
  await sagas.open('/');
  await expect(page.getByTestId('tile-stuck')).toContainText(/Stuck sagas \(judged 5m \d+s behind\)/);
  judged = null;
  await sagas.open('/sagas');
  await expect(notice).toContainText('STUCK is not judged yet');
  await sagas.open('/');
  await expect(page.getByTestId('tile-stuck')).toContainText('Stuck sagas (not judged yet)');
});
