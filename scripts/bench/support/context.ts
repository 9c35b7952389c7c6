import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchOptions } from './cli.ts';
import type { Cleanup } from './cleanup.ts';
import type { DatasetPlan, DatasetTopics } from './dataset.ts';

// What one `npm run bench` run shares between benchmarks: options, a run id for unique topic and
// group names, a temp root removed at the very end, and the store benchmark 1 leaves behind for
// benchmark 3 (so "queries at a million records" reads the very data ingest stored).

export interface IngestedStore {
  readonly dbPath: string;
  readonly dataDir: string;
  /** A PostgreSQL store (COLLECTOR_STORE_URL) instead of the SQLite file at dbPath. */
  readonly storeUrl?: string;
  readonly runId: string;
  readonly topics: DatasetTopics;
  readonly plan: DatasetPlan;
  /** Order indexes by outcome, to pick lookups that exist. */
  readonly outcomeOf: (i: number) => string;
}

export interface BenchContext {
  readonly opts: BenchOptions;
  readonly runId: string;
  /** Removed when the run ends; each benchmark makes its own subdirectory. */
  readonly tmpRoot: string;
  /** Directory for kept CPU profiles (only with --profile). */
  readonly profileRoot: string;
  /** Run-level cleanup: things that must outlive one benchmark (the shared store). */
  readonly runCleanup: Cleanup;
  ingested?: IngestedStore;
}

export function createContext(opts: BenchOptions, runCleanup: Cleanup): BenchContext {
  const runId = `${Date.now().toString(36)}${Math.floor(Math.random() * 1296).toString(36)}`;
  const tmpRoot = mkdtempSync(join(tmpdir(), 'causeway-bench-'));
  runCleanup.add(`remove ${tmpRoot}`, () => rmSync(tmpRoot, { recursive: true, force: true }));
  return {
    opts,
    runId,
    tmpRoot,
    profileRoot: join(tmpdir(), `causeway-bench-profiles-${runId}`),
    runCleanup,
  };
}

export type Bench = (ctx: BenchContext, cleanup: Cleanup) => Promise<void>;
