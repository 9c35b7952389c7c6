import { randomUUID } from 'node:crypto';
import type { BulkReplayRequest, BulkReplayResult } from '../../lib/api/dlq.ts';
import { badRequest, conflict } from '../../lib/errors.ts';
import type { Logger } from '../../lib/logger.ts';
import type { CollectorMetrics } from '../metrics/registry.ts';
import type { BulkJobRow, DlqEntryRow, Store } from '../store/types.ts';
import type { Replayer } from './replay.ts';

// Bulk replay: a dry run says how many entries would go where (by origin topic and by error)
// and how many would be refused; a real run becomes a background job producing at most
// `ratePerSec`, one running job per source dead-letter topic. Each entry is replayed through the
// single-entry path with a key derived from the job's key, so a restarted job (or the same bulk
// request sent twice) never replays an entry twice.

const MAX_ENTRIES = 10_000;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => {
      clearTimeout(t);
      resolve();
    });
  });

export function createBulkReplayer(deps: {
  store: Store;
  replayer: Replayer;
  logger: Logger;
  metrics: CollectorMetrics;
  now: () => number;
}) {
  const { store, replayer, metrics, now } = deps;
  const log = deps.logger.child({ component: 'bulk-replay' });
  const running = new Map<string, { job: BulkJobRow; done: Promise<void> }>();
  const abort = new AbortController();

  function runJob(job: BulkJobRow) {
    const done = (async () => {
      const interval = 1000 / job.ratePerSec;
      let n = 0;
      for (const id of job.entryIds) {
        if (abort.signal.aborted) break;
        const started = Date.now();
        try {
          await replayer.replay(id, `bulk:${job.replayKey}`, job.requestedBy, job.id);
        } catch (err) {
          log.warn({ err, entry: id, job: job.id }, 'bulk replay of an entry failed');
        }
        n++;
        if (n % 20 === 0) await store.transaction((tx) => tx.replays.updateJob(job.id, { done: n }));
        await sleep(Math.max(0, interval - (Date.now() - started)), abort.signal);
      }
      const state = abort.signal.aborted ? 'interrupted' : 'done';
      await store
        .transaction((tx) => tx.replays.updateJob(job.id, { done: n, state }))
        .catch(() => undefined);
      log.info({ job: job.id, replayed: n, state }, 'bulk replay finished');
    })().finally(() => running.delete(job.id));
    running.set(job.id, { job, done });
  }

  async function plan(req: BulkReplayRequest) {
    if (!req.ids && !req.filter)
      throw badRequest('Give either ids or a filter', [
        { path: 'ids', message: 'ids or filter is required' },
      ]);
    const ids = req.ids ?? (await store.dlq.ids(req.filter ?? {}, MAX_ENTRIES));
    const entries: DlqEntryRow[] = [];
    let refused = 0;
    const replayable: string[] = [];
    for (const id of new Set(ids)) {
      const e = await store.dlq.get(id);
      if (!e) {
        refused++;
        continue;
      }
      entries.push(e);
      if (await replayer.refusal(e)) refused++;
      else replayable.push(id);
    }
    const count = <K extends string | null>(xs: K[]) => {
      const m = new Map<K, number>();
      for (const x of xs) m.set(x, (m.get(x) ?? 0) + 1);
      return [...m];
    };
    const ok = entries.filter((e) => replayable.includes(e.id));
    return {
      total: new Set(ids).size,
      refused,
      replayable,
      dlqTopics: [...new Set(ok.map((e) => e.dlqTopic))],
      byTarget: count(ok.map((e) => e.originTopic)).map(([targetTopic, n]) => ({ targetTopic, count: n })),
      byError: count(ok.map((e) => e.errorClass)).map(([errorClass, n]) => ({ errorClass, count: n })),
    };
  }

  return {
    async request(req: BulkReplayRequest, requestedBy: string): Promise<BulkReplayResult> {
      const p = await plan(req);
      const summary = { total: p.total, refused: p.refused, byTarget: p.byTarget, byError: p.byError };
      if (req.dryRun) {
        metrics.replays.inc({ result: 'dry_run' });
        return { dryRun: true, ...summary, jobId: null };
      }
      const existing = await store.replays.jobByKey(req.replayKey);
      if (existing) return { dryRun: false, ...summary, jobId: existing.id };
      for (const { job } of running.values()) {
        const clash = job.dlqTopics.find((t) => p.dlqTopics.includes(t));
        if (clash)
          throw conflict(
            `A bulk replay (job ${job.id}) is already running for ${clash}; wait for it to finish`,
          );
      }
      const job: BulkJobRow = {
        id: randomUUID(),
        replayKey: req.replayKey,
        dlqTopics: p.dlqTopics,
        entryIds: p.replayable,
        ratePerSec: req.ratePerSec,
        requestedBy,
        createdAt: now(),
        state: 'running',
        done: 0,
      };
      if (!(await store.transaction((tx) => tx.replays.insertJob(job)))) {
        const again = await store.replays.jobByKey(req.replayKey);
        return { dryRun: false, ...summary, jobId: again?.id ?? null };
      }
      runJob(job);
      return { dryRun: false, ...summary, jobId: job.id };
    },
    /** Resumes jobs a previous process left running: replays are idempotent per entry. */
    async resume() {
      for (const job of await store.replays.runningJobs()) if (!running.has(job.id)) runJob(job);
    },
    async stop() {
      abort.abort();
      await Promise.all([...running.values()].map((r) => r.done));
    },
    activeJobs: () => [...running.values()].map((r) => r.job),
  };
}
export type BulkReplayer = ReturnType<typeof createBulkReplayer>;
