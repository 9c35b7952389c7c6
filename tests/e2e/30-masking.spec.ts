import { expect, test, type Page } from '@playwright/test';
import { createKafkaBus } from '../../lib/bus/index.ts';
import { auditPageSchema } from '../../lib/api/audit.ts';
import { recordsExportSchema } from '../../lib/api/records.ts';
import { TailPage } from './pages/tail-page.ts';
import { shopTopic, E2E_OPERATOR_TOKEN } from './support/env.ts';
import { collectorGet, uniqueId } from './support/stack.ts';

// A card number and an e-mail address in a record never reach the browser — not the page, not a
// REST answer, not a live-tail frame, not an export — until an operator reveals them, and the
// reveal is in the collector's audit log. (Default policy: no MASKING_POLICY_FILE.)

const CARD = '4111111111111111';
const EMAIL = 'masking.e2e@example.com';

/** Everything the collector sends the page: REST bodies through the console proxy and WS frames. */
function captureTraffic(page: Page): string[] {
  const seen: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => seen.push(String(f.payload))));
  page.on('response', (res) => {
    if (new URL(res.url()).pathname.startsWith('/api/'))
      res.text().then(
        (t) => seen.push(t),
        () => undefined,
      );
  });
  return seen;
}

test('masked fields never reach the page, the tail frames or an export; an operator reveals them, audited', async ({
  page,
}) => {
  test.skip(!process.env.KAFKA_BROKERS, 'needs KAFKA_BROKERS: only a raw producer can write such a record');
  const topic = shopTopic(uniqueId('e2e-masking'));
  const customerId = uniqueId('cust');
  const bus = createKafkaBus({ brokers: process.env.KAFKA_BROKERS!.split(','), clientId: 'causeway-e2e' });
  try {
    await bus.admin.ensureTopics([{ topic, numPartitions: 1 }]);
    const traffic = captureTraffic(page);
    const tail = new TailPage(page);
    await tail.openFiltered({ topics: topic });
    await bus.produce([
      {
        topic,
        key: customerId,
        value: JSON.stringify({ customerId, email: EMAIL, card: { cardNumber: CARD }, tier: 'gold' }),
        headers: { 'x-contact': EMAIL },
      },
    ]);
    const row = tail.rowWithText(customerId).first();
    await expect(row).toBeVisible({ timeout: 15_000 });
    await row.click();
    const payload = tail.inspector().getByTestId('payload');
    await expect(payload).toContainText(customerId);
    await expect(payload).toContainText('[masked]');
    await expect(tail.inspector().getByTestId('masked-notice')).toContainText('card.cardNumber');
    const recordId = await tail.inspector().getAttribute('data-record-id');

    const exported = await page.request.get(`/api/records/export?topic=${encodeURIComponent(topic)}`);
    expect(exported.status()).toBe(200);
    const exportText = await exported.text();
    expect(recordsExportSchema.parse(JSON.parse(exportText)).count).toBe(1);
    expect(exported.headers()['content-disposition']).toMatch(/^attachment;/);

    for (const text of [await page.content(), exportText, ...traffic]) {
      expect(text).not.toContain(CARD);
      expect(text).not.toContain(EMAIL);
    }
    expect(traffic.some((t) => t.includes('"records"') && t.includes(customerId))).toBe(true);
    await tail.screenshot('masking-masked');

    // The operator reveals it: the values appear, and the collector audited who saw which record.
    await tail.setOperatorToken(E2E_OPERATOR_TOKEN);
    await tail.inspector().getByTestId('reveal-masked').click();
    await expect(tail.inspector().getByTestId('unmasked-notice')).toBeVisible();
    await expect(payload).toContainText(CARD);
    await expect(payload).toContainText(EMAIL);
    const audit = await collectorGet(
      page.request,
      `/api/audit?target=${encodeURIComponent(recordId!)}`,
      auditPageSchema,
    );
    expect(audit.items).toHaveLength(1);
    expect(audit.items[0]).toMatchObject({ action: 'unmask', identity: 'operator', target: recordId });
    await tail.screenshot('masking-revealed');
  } finally {
    await bus.close();
  }
});
