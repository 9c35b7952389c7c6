import { expect, test, type Page } from '@playwright/test';
import { everyRoute } from './support/routes.ts';
import { ConsolePage } from './pages/console-page.ts';

// Layouts that hold from 390 px to 1,920 px (issue 16 point 9): no page scrolls sideways, the
// header stays small on a phone, and the dead-letter table shows every entry's status.

test.use({ actionTimeout: 20_000 });

const VIEWPORTS = [
  { width: 390, height: 844 },
  { width: 768, height: 1024 },
  { width: 1440, height: 900 },
  { width: 1920, height: 1080 },
];

const pageOverflow = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);

/** The outermost elements that stick out past the right edge, to name in a failure. */
const overflowing = (page: Page) =>
  page.evaluate(() => {
    const width = document.documentElement.clientWidth;
    const out: string[] = [];
    for (const el of document.querySelectorAll('body *')) {
      const r = el.getBoundingClientRect();
      if (r.right <= width + 1 || r.width === 0) continue;
      const parent = el.parentElement;
      if (parent && parent.getBoundingClientRect().right > width + 1) continue;
      // Inside a box that scrolls or clips, sticking out is that box's business, not the page's.
      let clipped = false;
      for (let a = parent; a && a !== document.body; a = a.parentElement)
        if (getComputedStyle(a).overflowX !== 'visible') clipped = true;
      if (clipped) continue;
      const id = el.getAttribute('data-testid');
      out.push(
        `${el.tagName.toLowerCase()}${id ? `[data-testid=${id}]` : ''}.${[...el.classList].join('.')} → ${Math.round(r.right)} px`,
      );
    }
    return out.slice(0, 5).join('; ');
  });

test('every page fits its width from 390 px to 1,920 px', async ({ page, request }) => {
  test.setTimeout(8 * 60_000);
  const routes = await everyRoute(request);
  const console = new ConsolePage(page);
  for (const vp of VIEWPORTS) {
    await page.setViewportSize(vp);
    for (const route of routes) {
      await page.goto(route);
      await expect(page.getByTestId('brand')).toBeVisible();
      await page
        .locator('.state-loading')
        .first()
        .waitFor({ state: 'detached', timeout: 15_000 })
        .catch(() => undefined);
      const over = await pageOverflow(page);
      const culprits = over > 0 ? await overflowing(page) : '';
      expect(over, `${route} at ${vp.width} px scrolls sideways: ${culprits}`).toBeLessThanOrEqual(0);
    }
  }
  await page.setViewportSize({ width: 390, height: 844 });
  await console.open('/dlq');
  await console.screenshot('layout-390-dlq');
});

test('at 390 px the header is small and the dead letters are readable; at 1,440 px no status is clipped', async ({
  page,
  request,
}) => {
  test.setTimeout(4 * 60_000);
  await everyRoute(request);
  const console = new ConsolePage(page);
  await page.setViewportSize({ width: 390, height: 844 });
  await console.open('/dlq');
  const header = (await page.locator('header.topbar').boundingBox())!;
  expect(header.height, 'header height at 390 px').toBeLessThanOrEqual(844 * 0.12);
  const row = page.getByTestId('dlq-row').first();
  await expect(row).toBeVisible();
  // Each cell of a row is on screen, status included, without scrolling sideways.
  for (const cell of await row.locator('td').all()) {
    const r = (await cell.boundingBox())!;
    expect(r.x).toBeGreaterThanOrEqual(0);
    expect(r.x + r.width).toBeLessThanOrEqual(390);
  }
  await row.getByTestId('dlq-status').scrollIntoViewIfNeeded();
  await expect(row.getByTestId('dlq-status')).toBeInViewport();
  await console.screenshot('layout-390-dlq-rows');

  for (const width of [1440, 1920]) {
    await page.setViewportSize({ width, height: 900 });
    await console.open('/dlq');
    await expect(page.getByTestId('dlq-row').first()).toBeVisible();
    const scroller = page.getByTestId('dlq-table').locator('xpath=..');
    const box = (await scroller.boundingBox())!;
    // No sideways scrolling inside the table either: the status column is in view.
    expect(await scroller.evaluate((el) => el.scrollWidth - el.clientWidth)).toBeLessThanOrEqual(0);
    for (const status of (await page.getByTestId('dlq-status').all()).slice(0, 10)) {
      const r = (await status.boundingBox())!;
      expect(r.x + r.width, `status at ${width} px`).toBeLessThanOrEqual(box.x + box.width + 1);
      expect(await status.evaluate((el) => el.scrollWidth <= el.clientWidth + 1)).toBe(true);
    }
    await console.screenshot(`layout-${width}-dlq`);
  }
});
