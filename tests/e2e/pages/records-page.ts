import { expect, type Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

export interface RecordsSearch {
  q?: string;
  key?: string;
  topic?: string;
  partition?: number;
  offset?: number;
}

export class RecordsPage extends ConsolePage {
  topicRow(topic: string): Locator {
    return this.page.locator(`[data-testid="topic-row"][data-topic="${topic}"]`);
  }

  rows(): Locator {
    return this.byTestId('records-table').getByTestId('record-row');
  }

  row(recordId: string): Locator {
    return this.page.locator(`[data-testid="record-row"][data-record-id="${recordId}"]`);
  }

  inspector(): Locator {
    return this.byTestId('record-inspector');
  }

  /** Fills the search form (clearing what is not given) and submits it. */
  async search(s: RecordsSearch): Promise<void> {
    await this.byTestId('records-q').fill(s.q ?? '');
    await this.byTestId('records-key').fill(s.key ?? '');
    await this.byTestId('records-topic').fill(s.topic ?? '');
    await this.byTestId('records-partition').fill(s.partition === undefined ? '' : String(s.partition));
    await this.byTestId('records-offset').fill(s.offset === undefined ? '' : String(s.offset));
    await this.byTestId('records-submit').click();
  }

  /** Searches until the result has a row (the collector indexes records a moment after they arrive). */
  async searchUntilFound(s: RecordsSearch, timeout = 30_000): Promise<void> {
    await expect(async () => {
      await this.search(s);
      await expect(this.rows().first()).toBeVisible({ timeout: 2_000 });
    }).toPass({ timeout });
  }

  async loadedCount(): Promise<number> {
    return Number(await this.byTestId('records-count').getAttribute('data-count'));
  }
}
