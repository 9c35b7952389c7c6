import type { APIRequestContext } from '@playwright/test';
import { chainsPageSchema } from '../../../lib/api/chains.ts';
import { dlqPageSchema } from '../../../lib/api/dlq.ts';
import { sagasPageSchema } from '../../../lib/api/sagas.ts';
import { collectorGet, placeOrder, QUIET_FAULTS, setFaults, uniqueId } from './stack.ts';
import { expect } from '@playwright/test';

// Every page of the console, with real ids for the detail pages: a poisoned order gives a chain,
// a saga and a dead letter even when this spec runs alone.

export async function everyRoute(request: APIRequestContext): Promise<string[]> {
  await setFaults(request, { ...QUIET_FAULTS, poisonRate: 1 });
  await placeOrder(request, { customerId: uniqueId('e2e-routes') });
  let ids: { chain: string; saga: string; dlq: string } | undefined;
  await expect(async () => {
    const chain = (await collectorGet(request, '/api/chains?limit=1', chainsPageSchema)).items[0];
    const saga = (await collectorGet(request, '/api/sagas?limit=1', sagasPageSchema)).items[0];
    const dlq = (await collectorGet(request, '/api/dlq?limit=1', dlqPageSchema)).items[0];
    expect(chain && saga && dlq).toBeTruthy();
    ids = { chain: chain!.id, saga: saga!.id, dlq: dlq!.id };
  }).toPass({ timeout: 90_000 });
  await setFaults(request, QUIET_FAULTS);
  const q = encodeURIComponent;
  return [
    '/',
    '/tail',
    '/chains',
    `/chains/${q(ids!.chain)}`,
    '/sagas',
    `/sagas/${q(ids!.saga)}`,
    '/dlq',
    `/dlq/${q(ids!.dlq)}`,
    '/consumers',
    '/records',
    '/alerts',
    '/alerts/runbook/DeadLetterRecords',
    '/no-such-page',
  ];
}
