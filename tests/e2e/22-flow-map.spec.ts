import { expect, test, type Page } from '@playwright/test';
import { ConsolePage } from './pages/console-page.ts';
import { placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './support/stack.ts';

// The flow map (issue 16 point 7): fits its box at 1,440 px, keeps its layout from load to load,
// zooms and pans, and has a legend that names what shapes, colours, widths and dashes mean.

test.use({ actionTimeout: 20_000 });

/** label → position of every node drawn, as the page reports it. */
async function positions(page: Page): Promise<Record<string, string>> {
  const nodes = page.getByTestId('flow-node');
  const pairs = await nodes.evaluateAll((els) =>
    els.map((e) => [
      e.getAttribute('data-label') ?? '',
      `${e.getAttribute('data-x')},${e.getAttribute('data-y')}`,
    ]),
  );
  return Object.fromEntries(pairs) as Record<string, string>;
}

test('the flow map fits, keeps its layout, zooms and pans, and has a legend', async ({ page, request }) => {
  test.setTimeout(4 * 60_000);
  await setFaults(request, QUIET_FAULTS);
  for (let i = 0; i < 3; i++) await placeOrder(request, { customerId: uniqueId('e2e-flow') });
  const console = new ConsolePage(page);
  await expect(async () => {
    await console.open('/');
    // The order flow reaches its far end (notifications) once traffic has been seen.
    await expect(page.locator('[data-testid="flow-node"][data-kind="service"]')).not.toHaveCount(0, {
      timeout: 3_000,
    });
    expect(await page.getByTestId('flow-node').count()).toBeGreaterThan(8);
  }).toPass({ timeout: 2 * 60_000 });

  // Fitted: nothing lies outside the box at 1,440 px.
  const box = page.getByTestId('flow-box');
  await expect(page.getByTestId('flow-zoom-fit')).toHaveAttribute('aria-pressed', 'true');
  const fits = () => box.evaluate((el) => el.scrollWidth <= el.clientWidth + 1);
  await expect.poll(fits).toBe(true);
  const boxRect = (await box.boundingBox())!;
  for (const n of await page.getByTestId('flow-node').all()) {
    const r = (await n.boundingBox())!;
    expect(r.x + r.width, `${await n.getAttribute('data-label')} inside the box`).toBeLessThanOrEqual(
      boxRect.x + boxRect.width + 1,
    );
  }
  await console.screenshot('flow-map-fit');

  // The same layout on the next load. Traffic may still add nodes between two loads (a
  // different graph may rightly be laid out differently): two loads of the same graph must agree.
  await expect(async () => {
    const before = await positions(page);
    await page.reload();
    await expect(page.getByTestId('flow-node').first()).toBeVisible();
    await expect
      .poll(async () => Object.keys(await positions(page)).length, { timeout: 3_000 })
      .toBe(Object.keys(before).length);
    expect(await positions(page)).toEqual(before);
  }).toPass({ timeout: 60_000 });

  // Edges that run back are dashed, and the legend says so.
  for (const e of await page.locator('[data-testid="flow-edge"][data-back="true"]').all())
    expect(await e.evaluate((el) => getComputedStyle(el).strokeDasharray)).not.toBe('none');
  const legend = page.getByTestId('flow-legend');
  await expect(legend).toContainText('Service');
  await expect(legend).toContainText('Topic');
  await expect(legend).toContainText('Consumer group');
  await expect(legend).toContainText('dead letters');
  await expect(legend).toContainText('earlier step');
  await expect(legend).toContainText('records per second');

  // Zoom in: the map grows past its box; dragging pans it.
  const zoomBefore = Number(await page.getByTestId('flow-zoom').getAttribute('data-zoom'));
  await page.getByTestId('flow-zoom-reset').click();
  await page.getByTestId('flow-zoom-in').click();
  const zoomed = Number(await page.getByTestId('flow-zoom').getAttribute('data-zoom'));
  expect(zoomed).toBeGreaterThan(zoomBefore);
  await expect.poll(fits).toBe(false);
  const b = (await box.boundingBox())!;
  await page.mouse.move(b.x + b.width / 2, b.y + b.height / 2);
  await page.mouse.down();
  await page.mouse.move(b.x + b.width / 2 - 300, b.y + b.height / 2, { steps: 8 });
  await page.mouse.up();
  await expect.poll(() => box.evaluate((el) => el.scrollLeft)).toBeGreaterThan(200);
  await console.screenshot('flow-map-zoomed');
  await page.getByTestId('flow-zoom-fit').click();
  await expect.poll(fits).toBe(true);
});
