import { expect, type Locator, type Page } from '@playwright/test';

// Base page object: navigation, the operator token, screenshots saved where reviewers look.

export class ConsolePage {
  readonly page: Page;
  constructor(page: Page) {
    this.page = page;
  }

  async open(path: string): Promise<void> {
    await this.page.goto(path);
    await expect(this.page.getByTestId('brand')).toBeVisible();
  }

  byTestId(id: string): Locator {
    return this.page.getByTestId(id);
  }

  async setOperatorToken(token: string): Promise<void> {
    await this.byTestId('token-button').click();
    const dialog = this.byTestId('token-dialog');
    await expect(dialog).toBeVisible();
    await dialog.getByTestId('token-input').fill(token);
    await dialog.getByTestId('token-save').click();
    await expect(this.byTestId('token-button')).toHaveAttribute('data-has-token', 'true');
  }

  /** Saved by the spec itself, so a reviewer finds every page under test-results/screenshots. */
  async screenshot(name: string): Promise<void> {
    await this.page.screenshot({ path: `test-results/screenshots/${name}.png`, fullPage: true });
  }
}
