import type { Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

export class AlertsPage extends ConsolePage {
  alert(name: string): Locator {
    return this.page.locator(`[data-testid="alert"][data-alertname="${name}"]`);
  }
}
