import { expect, type Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

export class TailPage extends ConsolePage {
  async openFiltered(filter: { correlationId?: string; topics?: string; key?: string }): Promise<void> {
    const qs = new URLSearchParams(
      Object.entries(filter).filter((e): e is [string, string] => Boolean(e[1])),
    );
    await this.open(`/tail?${qs.toString()}`);
    await expect(this.byTestId('tail-connection')).toHaveAttribute('data-state', 'open');
  }

  rows(): Locator {
    return this.byTestId('tail-list-row');
  }

  rowWithText(text: string): Locator {
    return this.rows().filter({ hasText: text });
  }

  async pause(): Promise<void> {
    await this.byTestId('tail-pause').click();
    await expect(this.byTestId('tail-pause')).toHaveAttribute('data-paused', 'true');
  }

  async resume(): Promise<void> {
    await this.byTestId('tail-pause').click();
    await expect(this.byTestId('tail-pause')).toHaveAttribute('data-paused', 'false');
  }

  list(): Locator {
    return this.byTestId('tail-list');
  }

  /** Rows in the list, and where its viewport is, as the reader sees it. */
  async scrollState(): Promise<{ count: number; scrollTop: number; atEnd: boolean }> {
    return this.list().evaluate((el) => ({
      count: Number(el.getAttribute('data-count')),
      scrollTop: el.scrollTop,
      // Within a row (28 px) of the end: the newest row is on screen.
      atEnd: el.scrollTop + el.clientHeight >= el.scrollHeight - 28,
    }));
  }

  inspector(): Locator {
    return this.byTestId('record-inspector');
  }
}
