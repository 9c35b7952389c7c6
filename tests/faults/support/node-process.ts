import { spawn, type ChildProcess } from 'node:child_process';
import { waitFor } from '../../../lib/testing/wait-for.ts';
import { repoRoot } from './env.ts';

// Any Causeway entry file (`scripts/start.ts`, `shop-services/main.ts`, ...) as a child process,
// for tests that signal it and time its exit. Its output is kept for assertions and failure
// messages; `stopAllProcesses()` in an afterAll SIGKILLs whatever a failed test left running.

export interface NodeProcess {
  readonly child: ChildProcess;
  output(): string;
  /** Resolves with the first match of `re` in the output (a log line the process wrote). */
  waitForOutput(re: RegExp, what: string, timeoutMs?: number): Promise<RegExpExecArray>;
  /** Resolves when the process has exited, with its code (128 + n when a signal killed it). */
  readonly exited: Promise<number>;
  exitCode(): number | null;
}

const running = new Set<ChildProcess>();

export function startNodeProcess(args: readonly string[], env: Record<string, string>): NodeProcess {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, LOG_LEVEL: 'info', ...env };
  // Spans of the test runner's own environment must not be exported anywhere.
  if (!env.OTEL_EXPORTER_OTLP_ENDPOINT) delete childEnv.OTEL_EXPORTER_OTLP_ENDPOINT;
  const child = spawn(process.execPath, [...args], {
    cwd: repoRoot,
    env: childEnv,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  let out = '';
  let code: number | null = null;
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number>((resolve) =>
    child.once('exit', (c, signal) => {
      code = c ?? (signal ? 128 : 1);
      running.delete(child);
      resolve(code);
    }),
  );
  const tail = () => out.split('\n').slice(-30).join('\n');
  return {
    child,
    output: () => out,
    exited,
    exitCode: () => code,
    waitForOutput: (re, what, timeoutMs = 60_000) =>
      waitFor(
        () => {
          const m = re.exec(out);
          if (m) return m;
          if (code !== null) throw new Error(`exited with ${code}`);
          return undefined;
        },
        { what, timeoutMs, intervalMs: 20 },
      ).catch((err: unknown) => {
        throw new Error(`${err instanceof Error ? err.message : String(err)}\n${tail()}`);
      }),
  };
}

export async function stopAllProcesses(): Promise<void> {
  await Promise.all(
    [...running].map(
      (c) =>
        new Promise<void>((resolve) => {
          c.once('exit', () => resolve());
          c.kill('SIGKILL');
        }),
    ),
  );
}
