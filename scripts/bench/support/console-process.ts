import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Cleanup } from './cleanup.ts';
import { freePort, REPO_ROOT } from './collector-process.ts';
import { waitUntil } from './report.ts';

// The console as production serves it: `next start` on the existing build (.next). The benchmark
// never builds: the build belongs to whoever changed app/, and a build takes minutes here. Without
// one, render reports "not run".

export function consoleBuild(): { id: string; builtAt: Date } | undefined {
  const file = join(REPO_ROOT, '.next', 'BUILD_ID');
  if (!existsSync(file)) return undefined;
  return { id: join(REPO_ROOT, '.next'), builtAt: statSync(file).mtime };
}

export interface ConsoleProcess {
  readonly url: string;
  readonly logFile: string;
  stop(): Promise<void>;
}

export async function startConsoleProcess(o: {
  collectorUrl: string;
  publicWsBase?: string;
  logDir: string;
  cleanup: Cleanup;
}): Promise<ConsoleProcess> {
  const port = await freePort();
  const logFile = join(o.logDir, `console-${port}.log`);
  const log = createWriteStream(logFile);
  const env: NodeJS.ProcessEnv = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '/tmp',
    NODE_ENV: 'production',
    NEXT_TELEMETRY_DISABLED: '1',
    PORT: String(port),
    HOSTNAME: '127.0.0.1',
    COLLECTOR_URL: o.collectorUrl,
    ...(o.publicWsBase && { COLLECTOR_PUBLIC_URL: o.publicWsBase }),
  };
  const child = spawn(
    process.execPath,
    [
      join(REPO_ROOT, 'node_modules', 'next', 'dist', 'bin', 'next'),
      'start',
      '-p',
      String(port),
      '-H',
      '127.0.0.1',
    ],
    {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'pipe'],
      env,
    },
  );
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  let exited = false;
  const exit = new Promise<void>((r) =>
    child.once('exit', () => {
      exited = true;
      r();
    }),
  );
  const stop = async () => {
    if (exited) return;
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
    await exit;
    clearTimeout(t);
    log.end();
  };
  o.cleanup.add(`stop console pid ${child.pid}`, stop);
  const url = `http://127.0.0.1:${port}`;
  await waitUntil(
    `the console on ${url} (log: ${logFile})`,
    async () => {
      if (exited) throw new Error(`next start exited; see ${logFile}`);
      try {
        const res = await fetch(url);
        return res.status < 500 ? true : undefined;
      } catch {
        return undefined;
      }
    },
    { timeoutMs: 60_000, intervalMs: 200 },
  );
  return { url, logFile, stop };
}
