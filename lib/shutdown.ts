import type { ChildProcess } from 'node:child_process';
import type { Logger } from './logger.ts';

// How every Causeway process ends on SIGTERM / SIGINT: gracefully where it can (consumers commit
// what they handled, servers close), bounded always. Orchestrators give a process 10 s between
// SIGTERM and SIGKILL (Docker's and Kubernetes' default grace), so the graceful stop gets a
// deadline below that and the process exits with a log line when it passes, whatever a handler or
// a library is still waiting for. A second signal means "now": the process exits at once.

/** From the first signal to the forced exit: under the 10 s orchestrators wait before SIGKILL. */
export const SHUTDOWN_DEADLINE_MS = 8000;

export interface ShutdownOptions {
  readonly logger: Logger;
  /** The graceful stop; the process exits 0 (or the code asked for) when it resolves. */
  readonly stop: () => Promise<void>;
  readonly deadlineMs?: number;
  /** Runs right before a forced exit (deadline or second signal): kill child processes here. */
  readonly onForceExit?: () => void;
  /** Tests replace it; the default is process.exit. */
  readonly exit?: (code: number) => void;
}

export interface Shutdown {
  /** Starts the graceful stop (as a signal would), for a reason other than a signal. */
  begin(reason: string, code?: number): void;
  readonly stopping: boolean;
}

/** Installs the SIGTERM / SIGINT handlers of a process. Call once, early, in its entry file. */
export function handleShutdown(opts: ShutdownOptions): Shutdown {
  const exit = opts.exit ?? ((code: number) => process.exit(code));
  const deadlineMs = opts.deadlineMs ?? SHUTDOWN_DEADLINE_MS;
  const log = opts.logger;
  let stopping = false;
  const force = () => {
    try {
      opts.onForceExit?.();
    } finally {
      exit(1);
    }
  };

  function begin(reason: string, code = 0) {
    if (stopping) return;
    stopping = true;
    log.info({ reason, deadlineMs }, 'stopping');
    // Not unref'd: it must fire even if the stop leaves nothing else keeping the loop alive.
    setTimeout(() => {
      log.error({ reason, deadlineMs }, `shutdown did not finish within ${deadlineMs} ms; exiting now`);
      force();
    }, deadlineMs);
    opts.stop().then(
      () => exit(code),
      (err: unknown) => {
        log.error({ err }, 'shutdown failed');
        exit(1);
      },
    );
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      force();
      return;
    }
    begin(signal);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  return {
    begin,
    get stopping() {
      return stopping;
    },
  };
}

/**
 * Stops a child process: `signal` first, SIGKILL when it has not exited within `graceMs`. Resolves
 * once it has exited, true when it had to be killed.
 */
export async function stopChild(
  child: ChildProcess,
  graceMs: number,
  signal: NodeJS.Signals = 'SIGTERM',
): Promise<boolean> {
  if (child.exitCode !== null || child.signalCode !== null) return false;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  let killed = false;
  const timer = setTimeout(() => {
    killed = true;
    child.kill('SIGKILL');
  }, graceMs);
  await exited;
  clearTimeout(timer);
  return killed;
}
