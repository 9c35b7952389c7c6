import AxeBuilder from '@axe-core/playwright';
import { expect, test } from '@playwright/test';
import { everyRoute } from './support/routes.ts';

// Accessibility (issue 16): axe on every page in the light and the dark theme, no serious or
// critical findings. The theme is chosen the way the console remembers it (its cookie), so the
// server renders the page in that theme from the first byte.

test.use({ actionTimeout: 20_000 });

for (const theme of ['light', 'dark'] as const) {
  test(`every page in the ${theme} theme has no serious or critical axe findings`, async ({
    page,
    request,
    context,
    baseURL,
  }) => {
    test.setTimeout(6 * 60_000);
    const routes = await everyRoute(request);
    await context.addCookies([{ name: 'causeway-theme', value: theme, url: baseURL! }]);
    const findings: string[] = [];
    for (const route of routes) {
      await page.goto(route);
      await expect(page.locator('html')).toHaveAttribute('data-theme', theme);
      await expect(page.getByTestId('brand')).toBeVisible();
      await page
        .locator('.state-loading')
        .first()
        .waitFor({ state: 'detached', timeout: 15_000 })
        .catch(() => undefined);
      const result = await new AxeBuilder({ page })
        .withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'])
        .analyze();
      for (const v of result.violations)
        if (v.impact === 'serious' || v.impact === 'critical')
          findings.push(
            `${route}: ${v.id} (${v.impact}) ${v.help} — ${v.nodes
              .slice(0, 3)
              .map((n) => n.target.join(' '))
              .join(' | ')}`,
          );
    }
    await page.goto('/');
    await page.screenshot({ path: `test-results/screenshots/a11y-${theme}-overview.png`, fullPage: true });
    expect(findings, findings.join('\n')).toEqual([]);
  });
}
