import { spawn, type ChildProcess } from 'node:child_process';
import { healthSchema, type Health } from '../../../lib/api/topology.ts';
import { waitFor } from '../../../lib/testing/wait-for.ts';
import { repoRoot } from './env.ts';

// `node collector/main.ts` as a child process, the way it runs in production: the crash test kills
// it for real, and the hostile-input test can tell "kept running" from "was restarted". Every
// child started here is remembered so `stopAllCollectors()` in an afterAll leaves none behind.

export interface CollectorProcess {
  readonly child: ChildProcess;
  /** `http://127.0.0.1:<port>` of the REST API, WebSocket and /metrics. */
  readonly url: string;
  /** `http://127.0.0.1:<port>` of the OTLP/HTTP receiver. */
  readonly otlpUrl: string;
  /** Everything the process wrote to stdout and stderr so far. */
  output(): string;
  health(): Promise<Health>;
  /** null while it runs. */
  exitCode(): number | null;
  /** Sends `signal` and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

const children = new Set<ChildProcess>();

export async function startCollectorProcess(
  env: Record<string, string>,
  opts: { timeoutMs?: number } = {},
): Promise<CollectorProcess> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    COLLECTOR_PORT: '0',
    OTLP_PORT: '0',
    COLLECTOR_NATIVE_ALERTS: 'false',
    LOG_LEVEL: 'info',
    ...env,
  };
  // Spans of the test runner's own environment must not be exported anywhere.
  delete childEnv.OTEL_EXPORTER_OTLP_ENDPOINT;
  const child = spawn(process.execPath, ['collector/main.ts'], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  children.add(child);
  let out = '';
  let exited: number | null = null;
  const exit = new Promise<void>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : 1);
      children.delete(child);
      resolve();
    }),
  );
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const tail = () => out.split('\n').slice(-30).join('\n');
  const started = await waitFor(
    () => {
      if (exited !== null) throw new Error(`collector exited with ${exited} during start-up:\n${tail()}`);
      const api = /"api":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      const otlp = /"otlp":"(http:\/\/[^"]+)"/.exec(out)?.[1];
      return api !== undefined && otlp !== undefined ? { api, otlp } : undefined;
    },
    { what: 'the collector process to start', timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 20 },
  ).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail()}`);
  });
  return {
    child,
    url: started.api,
    otlpUrl: started.otlp,
    output: () => out,
    async health() {
      const res = await fetch(`${started.api}/api/health`);
      return healthSchema.parse(await res.json());
    },
    exitCode: () => exited,
    async kill(signal) {
      if (exited === null) child.kill(signal);
      await exit;
    },
  };
}

/**
 * Stops every collector child still running (for afterAll, whatever the test did): SIGTERM, so it
 * leaves its consumer group cleanly, then SIGKILL for any that has not exited within `graceMs`.
 */
export async function stopAllCollectors(graceMs = 10_000): Promise<void> {
  const waits = [...children].map(
    (c) =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => c.kill('SIGKILL'), graceMs);
        c.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        c.kill('SIGTERM');
      }),
  );
  await Promise.all(waits);
}
