import type { Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

export class ConsumersPage extends ConsolePage {
  group(groupId: string): Locator {
    return this.page.locator(`[data-testid="consumer-group"][data-group="${groupId}"]`);
  }

  groups(): Locator {
    return this.byTestId('consumer-group');
  }
}
