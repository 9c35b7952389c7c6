import { parseRecordId } from '../../lib/api/common.ts';
import type { SagaDetail } from '../../lib/api/sagas.ts';
import type { LagView } from '../api/context.ts';
import type { SagaEvent, SagaRow, Store } from '../store/types.ts';

// "Next expected: PaymentAuthorized" does not say who is late. A waiting saga depends on the
// consumers of two kinds of topic: the one its last command went to (the service that must act)
// and the ones its awaited events arrive on (the orchestrator that must read the reply). Any group
// behind on those partitions is named, worst first.

const MAX_GROUPS = 10;

export async function waitingOn(
  store: Store,
  lag: LagView | undefined,
  saga: SagaRow,
  events: readonly SagaEvent[],
): Promise<SagaDetail['waitingOn']> {
  if (!saga.nextExpected) return null;
  const topics = new Set<string>();
  const lastCommand = [...events].filter((e) => e.data === null).sort((a, b) => b.at - a.at)[0];
  const commandTopic = lastCommand ? parseRecordId(lastCommand.recordId)?.topic : undefined;
  if (commandTopic) topics.add(commandTopic);
  for (const type of saga.nextExpected.events) {
    // Where this event type was last seen: one index seek on (ce_type, ts).
    const seen = await store.records.list({ type }, { cursor: null, limit: 1 });
    if (seen.items[0]) topics.add(seen.items[0].topic);
  }
  const lateGroups = (lag?.groups() ?? [])
    .flatMap((g) =>
      g.partitions
        .filter((p) => topics.has(p.topic) && (p.lag > 0 || p.status !== 'OK'))
        .map((p) => ({
          groupId: g.groupId,
          topic: p.topic,
          partition: p.partition,
          committed: p.committed,
          lag: p.lag,
          status: p.status,
        })),
    )
    .sort((a, b) => b.lag - a.lag)
    .slice(0, MAX_GROUPS);
  return { topics: [...topics], lateGroups };
}
