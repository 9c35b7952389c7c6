import { expect, type Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

export class ChainPage extends ConsolePage {
  async search(id: string): Promise<void> {
    await this.open('/chains');
    await this.byTestId('chain-search-input').fill(id);
    await this.byTestId('chain-search-submit').click();
    await expect(this.byTestId('chain-view')).toBeVisible();
  }

  hopRows(): Locator {
    return this.byTestId('waterfall-hop');
  }

  /**
   * Every hop label (event type, or topic) in waterfall order. The waterfall renders only the rows
   * in view, so this scrolls through it page by page.
   */
  async hopLabels(): Promise<string[]> {
    const list = this.byTestId('waterfall-list');
    const seen = new Map<string, string>();
    await list.evaluate((el) => (el.scrollTop = 0));
    for (let guard = 0; guard < 500; guard++) {
      for (const row of await this.page
        .locator('[data-testid="waterfall-list-row"]:has([data-testid="waterfall-hop"])')
        .all()) {
        const index = await row.getAttribute('data-index');
        if (index !== null && !seen.has(index))
          seen.set(index, (await row.locator('.wf-name').textContent()) ?? '');
      }
      const done = await list.evaluate((el) => {
        if (el.scrollTop + el.clientHeight >= el.scrollHeight - 1) return true;
        el.scrollTop += el.clientHeight;
        return false;
      });
      if (done) break;
      // Two frames: the scroll event re-renders the window of rows.
      await this.page.evaluate(
        () => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))),
      );
    }
    return [...seen.entries()].sort((a, b) => Number(a[0]) - Number(b[0])).map(([, label]) => label);
  }
}
