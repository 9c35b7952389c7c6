import { z } from 'zod';
import type { ConsumerGroup } from '../../../lib/api/consumers.ts';
import type { OrderState, TestShop } from '../../../shop-services/testing/harness.ts';

// What the broker-restart test prints so that a failure explains itself: which consumers crashed
// without restarting, why orders were cancelled, and how each shop consumer group looked last.

export interface LagSample {
  readonly at: number;
  readonly groups: readonly ConsumerGroup[];
}

/**
 * kafkajs consumers crash when the broker goes away and restart themselves, or are rejoined by the
 * bus adapter when kafkajs will not (both log "Restarting the consumer…"); one that crashed more
 * often than it restarted has stopped for good, which would explain orders that never end.
 */
export function logConsumerCrashes(lines: readonly string[]) {
  const line = z.object({ msg: z.string().default(''), groupId: z.string().default('?') });
  const byGroup = new Map<string, { crashes: number; restarts: number }>();
  let rejoined = 0;
  for (const raw of lines) {
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      continue;
    }
    const parsed = line.safeParse(json);
    if (!parsed.success) continue;
    const { msg, groupId } = parsed.data;
    const c = byGroup.get(groupId) ?? { crashes: 0, restarts: 0 };
    if (msg.startsWith('Crash')) c.crashes++;
    else if (msg.startsWith('Restarting the consumer')) {
      c.restarts++;
      if (msg.includes('rejoined after a crash')) rejoined++;
    } else continue;
    byGroup.set(groupId, c);
  }
  const stopped = [...byGroup].filter(([, c]) => c.crashes > c.restarts).map(([g]) => g);
  console.info(
    `broker-restart: ${lines.length} client warnings; ${byGroup.size} consumers crashed and ` +
      `${stopped.length ? `NOT all restarted: ${stopped.join(', ')}` : 'all restarted'} ` +
      `(${rejoined} rejoined by the bus adapter, kafkajs having given them up)`,
  );
}

/** Why orders were cancelled and how each shop group looked last: what a failure needs explained. */
export function logOutcome(t: TestShop, states: readonly OrderState[], last: LagSample | undefined) {
  const cancelled = states.filter((s) => s.status === 'cancelled').length;
  const reasons = new Map<string, number>();
  for (const s of states) {
    if (!s.reason) continue;
    const r = s.reason.replace(/[0-9a-f-]{36}/g, '<id>').slice(0, 140);
    reasons.set(r, (reasons.get(r) ?? 0) + 1);
  }
  const groups = (last?.groups ?? [])
    .filter((g) => g.groupId.startsWith(t.namespace))
    .map((g) => [g.groupId.slice(t.namespace.length), g.state, g.members.length, g.totalLag, g.status]);
  console.info(
    `broker-restart: ${states.length - cancelled} confirmed, ${cancelled} cancelled; reasons ` +
      `${JSON.stringify([...reasons].sort((a, b) => b[1] - a[1]))}; groups ${JSON.stringify(groups)}`,
  );
}
