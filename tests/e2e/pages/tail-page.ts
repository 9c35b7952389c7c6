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

  inspector(): Locator {
    return this.byTestId('record-inspector');
  }
}
