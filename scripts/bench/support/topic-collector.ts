import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Admin } from 'kafkajs';
import type { Cleanup } from './cleanup.ts';
import { startCollectorProcess, type CollectorProcess } from './collector-process.ts';
import type { BenchContext } from './context.ts';
import { deleteGroups } from './kafka.ts';

// A collector process of one benchmark's own, subscribed to that benchmark's one topic. Its store
// directory and consumer group carry the benchmark's name, so benchmarks of one run never share them.

/** The store goes under the run's temp root (removed at the end); the group is deleted at cleanup. */
export async function startTopicCollector(o: {
  bench: string;
  topic: string;
  ctx: BenchContext;
  admin: Admin;
  cleanup: Cleanup;
}): Promise<{ collector: CollectorProcess; dataDir: string }> {
  const dataDir = join(o.ctx.tmpRoot, o.bench);
  mkdirSync(dataDir, { recursive: true });
  const groupId = `bench-${o.bench}-${o.ctx.runId}-collector`;
  o.cleanup.add(`delete group ${groupId}`, () => deleteGroups(o.admin, [groupId]));
  const collector = await startCollectorProcess({
    brokers: o.ctx.opts.brokers,
    dbPath: join(dataDir, 'collector.db'),
    dataDir,
    groupId,
    topicInclude: `^${o.topic}$`,
    cleanup: o.cleanup,
  });
  return { collector, dataDir };
}
