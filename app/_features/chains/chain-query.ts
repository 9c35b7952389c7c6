import { parseRecordId } from '../../../lib/api/common.ts';

// What kind of id the user typed into the chain search; the collector accepts any of them, the
// console only uses this to say what it is looking for.

export type ChainQueryKind = 'record' | 'trace' | 'event' | 'order';

export function classifyChainQuery(raw: string): ChainQueryKind {
  const q = raw.trim();
  if (parseRecordId(q)) return 'record';
  if (/^[0-9a-f]{32}$/i.test(q)) return 'trace';
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(q)) return 'event';
  return 'order';
}

export const CHAIN_QUERY_LABEL: Record<ChainQueryKind, string> = {
  record: 'a record (topic:partition:offset)',
  trace: 'a trace id',
  event: 'an event id (ce_id) or order id',
  order: 'an order / correlation id',
};
