import { expect, type Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

export class DlqPage extends ConsolePage {
  async openWorkbench(filter: { key?: string; dlqTopic?: string } = {}): Promise<void> {
    const qs = new URLSearchParams(
      Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1])),
    );
    await this.open(`/dlq${qs.size ? `?${qs.toString()}` : ''}`);
  }

  rowForKey(key: string): Locator {
    return this.page.locator(`[data-testid="dlq-row"][data-key="${key}"]`);
  }

  async openEntry(row: Locator): Promise<void> {
    await row.click();
    await expect(this.byTestId('dlq-entry')).toBeVisible();
  }

  replayButton(): Locator {
    return this.byTestId('replay-button');
  }

  outcome(): Locator {
    return this.byTestId('replay-outcome');
  }
}
