import { expect, test } from '@playwright/test';
import { ChainPage } from './pages/chain-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// Issue 16.3: timings an engineer can read. Every hop names its phases in milliseconds, produce →
// broker is n/a rather than a false 0 when no broker clock is known, a span opens its details
// (events and resource attributes included), the critical path is marked, and header and
// waterfall give one duration and count.

test.beforeAll(async ({ request }) => {
  await setFaults(request, QUIET_FAULTS);
});

test('hops show per-phase milliseconds, spans open a detail panel, the critical path is marked, and the figures agree', async ({
  page,
  request,
}) => {
  const orderId = await placeOrder(request, { customerId: uniqueId('e2e-timings') });
  const chain = new ChainPage(page);
  // Spans arrive in the services' export batches, a few seconds after the records: reload until
  // the chain is complete and its consumers' spans are joined to the hops.
  await expect(async () => {
    await chain.open(`/chains/${encodeURIComponent(orderId)}`);
    await expect(chain.byTestId('chain-view')).toHaveAttribute('data-status', 'complete', { timeout: 3_000 });
    await expect(
      chain
        .byTestId('hop-phases')
        .filter({ hasText: / · process \d/ })
        .first(),
    ).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ timeout: 60_000 });

  // Per-phase figures on every hop in view; never a produce → broker of exactly 0 from CreateTime.
  const phases = chain.byTestId('hop-phases');
  await expect(phases.first()).toBeVisible();
  for (const text of await phases.allTextContents()) {
    expect(text).toMatch(/^produce (n\/a|\d+(\.\d)? ms) · broker (n\/a|\d+(\.\d)? ms)/);
    expect(text).not.toMatch(/^produce 0 ms/);
  }
  expect((await phases.allTextContents()).some((t) => / · process \d+(\.\d)? ms/.test(t))).toBe(true);

  // One definition of duration and of counts, in the header and above the waterfall.
  const summary = chain.byTestId('waterfall-summary');
  const hops = Number(await summary.getAttribute('data-hops'));
  expect(hops).toBeGreaterThanOrEqual(8);
  await expect(chain.byTestId('chain-duration')).toHaveAttribute(
    'data-ms',
    (await summary.getAttribute('data-duration-ms'))!,
  );
  await expect(chain.byTestId('chain-summary')).toContainText(`${hops} hops`);
  await expect(summary).toContainText(`${hops} hops (`);
  await expect(summary).toContainText('one hop per record and consuming group');

  // The critical path runs from the first event to the last one processed.
  await expect(chain.byTestId('critical-path-summary')).toHaveText(
    /^([2-9]|\d{2,}) hops on the critical path$/,
  );
  await expect(page.locator('[data-testid="waterfall-hop"][data-critical="true"]').first()).toBeVisible();
  await chain.screenshot('chain-timings');

  // A span row opens its details.
  await chain.byTestId('waterfall-span').first().click();
  const panel = chain.byTestId('span-panel');
  await expect(panel).toBeVisible();
  await expect(panel.getByTestId('span-status')).toBeVisible();
  await expect(panel.getByTestId('span-resource')).toContainText('service.name');
  await expect(panel.getByTestId('span-attributes').locator('dt').first()).toBeVisible();
  // The resource as the shop's SDK sent it, beyond service.name (shop-services/tracing.ts); the
  // events list is there (a quiet flow records none; failed handlers add retry / dead-letter events).
  const resource = panel.getByTestId('span-resource-attributes');
  await expect(resource.locator('dt', { hasText: /^service\.name$/ })).toBeVisible();
  await expect(resource.locator('dt', { hasText: /^service\.namespace$/ })).toBeVisible();
  await expect(resource).toContainText('causeway-shop');
  await expect(panel.getByRole('heading', { name: /^Events \(\d+\)$/ })).toBeVisible();
  await expect(page).toHaveURL(/span=/);

  // The order's HTTP span records what it wrote to the outbox as an event, offset from its start.
  await chain.byTestId('waterfall-span').filter({ hasText: 'POST /orders' }).first().click();
  await expect(panel.getByRole('heading', { name: 'POST /orders' })).toBeVisible();
  const enqueued = panel.getByTestId('span-event').filter({ hasText: 'outbox.enqueued' });
  await expect(enqueued.first()).toContainText(/^\+\d+(\.\d+)? m?s/);
  await expect(enqueued.first()).toContainText('OrderPlaced');
  await chain.screenshot('chain-span-panel');
});
