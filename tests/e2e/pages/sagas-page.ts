import { expect, type Locator } from '@playwright/test';
import { ConsolePage } from './console-page.ts';

/** The orchestrated order saga; an order also starts choreographed flows (loyalty-award). */
export const ORDER_SAGA = 'order-fulfilment';

export class SagasPage extends ConsolePage {
  async findByOrder(orderId: string, type = ORDER_SAGA): Promise<Locator> {
    await this.open(`/sagas?q=${encodeURIComponent(orderId)}&type=${encodeURIComponent(type)}`);
    const row = this.page.locator(
      `[data-testid="saga-row"][data-correlation-id="${orderId}"][data-type="${type}"]`,
    );
    await expect(row).toHaveCount(1);
    return row;
  }

  async openSaga(orderId: string, type = ORDER_SAGA): Promise<void> {
    const row = await this.findByOrder(orderId, type);
    await row.click();
    await expect(this.byTestId('saga-detail')).toBeVisible();
  }

  steps(): Locator {
    return this.byTestId('saga-step');
  }
}
