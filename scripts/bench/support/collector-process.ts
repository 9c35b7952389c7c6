import { spawn } from 'node:child_process';
import { createWriteStream, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { healthSchema, type Health } from '../../../lib/api/topology.ts';
import type { Cleanup } from './cleanup.ts';
import { sleep, waitUntil } from './report.ts';

// The collector as production runs it: `node collector/main.ts`, its own process, configured only
// through the environment. The benchmark reads its memory from /proc and its progress from the
// REST API, and stops it with SIGTERM (graceful: the batch in flight is stored and committed).

export const REPO_ROOT = resolve(import.meta.dirname, '..', '..', '..');

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const addr = srv.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

export interface ProcMemory {
  /** Current resident set, bytes. */
  readonly rss: number;
  /** Peak resident set since the process started (VmHWM), bytes. */
  readonly hwm: number;
  /** Anonymous (heap, malloc) and file-backed (the node binary, shared libraries) parts of rss. */
  readonly anon: number;
  readonly file: number;
}

/** VmRSS / VmHWM of a live process; undefined once it is gone. */
export function procMemory(pid: number): ProcMemory | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM'), anon: kb('RssAnon'), file: kb('RssFile') };
}

/** User + system CPU seconds a process has used (from /proc/<pid>/stat), for "how busy was it". */
export function procCpuSeconds(pid: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    // fields[11], fields[12] are utime and stime (fields 14 and 15 of the full line), in clock ticks.
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

export interface CollectorProcess {
  readonly pid: number;
  readonly apiUrl: string;
  readonly otlpUrl: string;
  readonly logFile: string;
  readonly startedAt: number;
  health(): Promise<Health>;
  memory(): ProcMemory | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within `graceMs`. */
  stop(graceMs?: number): Promise<number | null>;
}

export interface CollectorProcessOptions {
  readonly brokers: string;
  readonly dbPath: string;
  readonly dataDir: string;
  readonly groupId: string;
  readonly topicInclude: string;
  readonly env?: Record<string, string>;
  /** Directory for `--cpu-prof` output; no profiling when undefined. */
  readonly cpuProfDir?: string;
  /** Extra Node.js flags (e.g. `--trace-gc`) for diagnosis. */
  readonly nodeArgs?: readonly string[];
  readonly cleanup: Cleanup;
}

export async function startCollectorProcess(o: CollectorProcessOptions): Promise<CollectorProcess> {
  const port = await freePort();
  const otlpPort = await freePort();
  const logFile = join(o.dataDir, `collector-${port}.log`);
  const log = createWriteStream(logFile);
  const args = [
    // As the Dockerfile runs it (NODE_OPTIONS there).
    '--max-semi-space-size=4',
    ...(o.nodeArgs ?? []),
    ...(o.cpuProfDir ? ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`] : []),
    join(REPO_ROOT, 'collector', 'main.ts'),
  ];
  const startedAt = performance.now();
  // Only what the collector reads: a stray variable of this shell must not change the figures.
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    KAFKA_BROKERS: o.brokers,
    COLLECTOR_HOST: '127.0.0.1',
    COLLECTOR_PORT: String(port),
    OTLP_PORT: String(otlpPort),
    COLLECTOR_GROUP_ID: o.groupId,
    COLLECTOR_TOPIC_INCLUDE: o.topicInclude,
    COLLECTOR_DB_PATH: o.dbPath,
    DATA_DIR: o.dataDir,
    LOG_LEVEL: 'warn',
    // As the Dockerfile and `npm start` run it: glibc's per-thread malloc arenas (one per thread
    // that allocates: main, the ingest worker, libuv's pool) kept ~115 MB of freed memory, and its
    // mmap threshold, raised after the first large free, kept large buffers in the heap (~70 MB).
    MALLOC_ARENA_MAX: '2',
    MALLOC_MMAP_THRESHOLD_: '131072',
    ...o.env,
  };
  const child = spawn(process.execPath, args, { cwd: REPO_ROOT, stdio: ['ignore', 'pipe', 'pipe'], env });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  const pid = child.pid;
  if (pid === undefined) throw new Error('could not start the collector process');
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((r) =>
    child.once('exit', (code) => {
      exitCode = code;
      r(code);
    }),
  );

  const stop = async (graceMs = 30_000) => {
    if (exitCode !== undefined) return exitCode;
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    const code = await exited;
    clearTimeout(timer);
    log.end();
    return code;
  };
  o.cleanup.add(`stop collector pid ${pid}`, async () => {
    await stop();
  });

  const apiUrl = `http://127.0.0.1:${port}`;
  const health = async () => healthSchema.parse(await (await fetch(`${apiUrl}/api/health`)).json());
  await waitUntil(
    `the collector API on ${apiUrl} (log: ${logFile})`,
    async () => {
      if (exitCode !== undefined) throw new Error(`collector exited with ${exitCode}; see ${logFile}`);
      try {
        return await health();
      } catch {
        await sleep(0);
        return undefined;
      }
    },
    { timeoutMs: 60_000, intervalMs: 100 },
  );
  return {
    pid,
    apiUrl,
    otlpUrl: `http://127.0.0.1:${otlpPort}`,
    logFile,
    startedAt,
    health,
    memory: () => procMemory(pid),
    stop,
  };
}

/** Samples a process's memory every `everyMs` until stopped; the peak includes VmHWM at the end. */
export function sampleMemory(pid: number, everyMs = 250) {
  let peakRss = 0;
  let last: ProcMemory | undefined;
  const timer = setInterval(() => {
    const m = procMemory(pid);
    if (!m) return;
    last = m;
    peakRss = Math.max(peakRss, m.rss, m.hwm);
  }, everyMs);
  return {
    stop() {
      clearInterval(timer);
      const m = procMemory(pid) ?? last;
      return { peak: Math.max(peakRss, m?.hwm ?? 0), current: m?.rss ?? 0 };
    },
  };
}
