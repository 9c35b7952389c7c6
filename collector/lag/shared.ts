import type { ConsumerGroup } from '../../lib/api/consumers.ts';
import type { Logger } from '../../lib/logger.ts';
import type { LagMonitorLike } from '../index.ts';
import type { Leadership } from '../leader.ts';
import type { Store } from '../store/types.ts';

// Consumer lag when several collectors share a store: only the elected one polls the cluster
// (leader.ts); it publishes each poll's view to the store, and the others serve what it
// published, read once per interval. So every collector answers the same, and a new leader picks
// up polling within an interval of the old one's death.

const NAME = 'lag';

interface Published {
  readonly groups: ConsumerGroup[];
  readonly lastPollAt: number | null;
}

export function createSharedLag(deps: {
  monitor: LagMonitorLike;
  store: Store;
  leadership: Leadership;
  intervalMs: number;
  logger: Logger;
}): LagMonitorLike {
  const { monitor, store, leadership } = deps;
  const log = deps.logger.child({ component: 'lag' });
  let view: Published = { groups: [], lastPollAt: null };
  let lastPublished: number | null = null;
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let step: Promise<void> | undefined;

  async function sync() {
    if (leadership.isLeader()) {
      const at = monitor.lastPollAt();
      if (at === null || at === lastPublished) return;
      await store.publish?.(NAME, at, JSON.stringify({ groups: monitor.groups(), lastPollAt: at }));
      lastPublished = at;
      return;
    }
    const got = await store.published?.(NAME);
    if (got) view = JSON.parse(got.json) as Published;
  }

  const loop = () => {
    if (!running) return;
    step = sync()
      .catch((err: unknown) => log.warn({ err }, 'sharing the lag view failed; retrying next interval'))
      .finally(() => {
        step = undefined;
        if (running) timer = setTimeout(loop, deps.intervalMs);
      });
  };

  return {
    start() {
      if (running) return;
      running = true;
      loop();
    },
    async stop() {
      running = false;
      if (timer) clearTimeout(timer);
      await step;
    },
    groups: () => (leadership.isLeader() ? monitor.groups() : view.groups),
    group: (id) => (leadership.isLeader() ? monitor.group(id) : view.groups.find((g) => g.groupId === id)),
    lastPollAt: () => (leadership.isLeader() ? monitor.lastPollAt() : view.lastPollAt),
  };
}
