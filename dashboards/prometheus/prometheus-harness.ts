import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { stringify } from 'yaml';

// Runs a real Prometheus for integration tests: its own temp dir for config, rules and TSDB, a free
// port on 127.0.0.1, 1s scrape and evaluation so alerts move in seconds. `stop()` always kills the
// process and removes the dir, and a process-exit hook does the same if a test run dies first.

export const PROMETHEUS_BIN = process.env.PROMETHEUS_BIN ?? '/usr/bin/prometheus';

export interface ScrapeTarget {
  readonly job: string;
  /** host:port */
  readonly targets: readonly string[];
  readonly metricsPath?: string;
}

export type RuleFile = string | { readonly fileName: string; readonly contents: string };

export interface StartPrometheusOptions {
  readonly scrapeTargets: readonly ScrapeTarget[];
  readonly ruleFiles: readonly RuleFile[];
  readonly port?: number;
  readonly scrapeIntervalMs?: number;
  readonly readyTimeoutMs?: number;
  /** `global.external_labels`, e.g. the `console_url` the runbook links read. */
  readonly externalLabels?: Readonly<Record<string, string>>;
  /** host:port of Alertmanagers this Prometheus notifies (none by default). */
  readonly alertmanagers?: readonly string[];
}

export interface RunningPrometheus {
  readonly url: string;
  /** Everything Prometheus logged so far, for failure messages. */
  logs(): string;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

const seconds = (ms: number) => `${Math.max(1, Math.round(ms / 1000))}s`;

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startPrometheus(options: StartPrometheusOptions): Promise<RunningPrometheus> {
  if (!existsSync(PROMETHEUS_BIN)) {
    throw new Error(
      `Prometheus binary not found at ${PROMETHEUS_BIN} (apt-get install prometheus, or set PROMETHEUS_BIN)`,
    );
  }
  const dir = await mkdtemp(join(tmpdir(), 'causeway-prometheus-'));
  const ruleFiles: string[] = [];
  for (const [i, r] of options.ruleFiles.entries()) {
    if (typeof r === 'string') {
      ruleFiles.push(r);
    } else {
      const path = join(dir, `${i}-${basename(r.fileName)}`);
      await writeFile(path, r.contents);
      ruleFiles.push(path);
    }
  }
  const interval = seconds(options.scrapeIntervalMs ?? 1000);
  const config = {
    global: {
      scrape_interval: interval,
      evaluation_interval: interval,
      scrape_timeout: interval,
      ...(options.externalLabels && { external_labels: { ...options.externalLabels } }),
    },
    rule_files: ruleFiles,
    ...(options.alertmanagers?.length && {
      alerting: { alertmanagers: [{ static_configs: [{ targets: [...options.alertmanagers] }] }] },
    }),
    scrape_configs: options.scrapeTargets.map((t) => ({
      job_name: t.job,
      metrics_path: t.metricsPath ?? '/metrics',
      static_configs: [{ targets: [...t.targets] }],
    })),
  };
  const configFile = join(dir, 'prometheus.yml');
  await writeFile(configFile, stringify(config));

  const port = options.port ?? (await freePort());
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    PROMETHEUS_BIN,
    [
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  const append = (chunk: Buffer) => {
    // Bounded: a chatty Prometheus must not grow the test process without limit.
    output = (output + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // Last resort if the test process exits without calling stop(): never leave a Prometheus behind.
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);

  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    process.removeListener('exit', killOnExit);
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited(child);
      clearTimeout(timer);
    }
    await rm(dir, { recursive: true, force: true });
  };

  try {
    await waitUntilReady(url, child, options.readyTimeoutMs ?? 30_000, () => output);
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, logs: () => output, stop };
}

async function waitUntilReady(url: string, child: ChildProcess, timeoutMs: number, logs: () => string) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`Prometheus exited (${child.exitCode ?? child.signalCode}) before ready:\n${logs()}`);
    }
    try {
      const res = await fetch(`${url}/-/ready`, { signal: AbortSignal.timeout(1000) });
      if (res.ok) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`Prometheus at ${url} not ready after ${timeoutMs}ms:\n${logs()}`);
}
