// The console as its own process (Compose runs it): `node scripts/console.ts [next start options]`
// serves the existing build (`npm run build` first) through `next start` in a child process.
// Next.js closes its server on SIGTERM, but that close waits for open connections (a slow request,
// a long poll) without a bound; this launcher bounds it like every other Causeway process
// (lib/shutdown.ts): SIGTERM is passed on, SIGKILL follows before the deadline, a second signal
// exits at once.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createLogger } from '../lib/logger.ts';
import { handleShutdown, SHUTDOWN_DEADLINE_MS, stopChild } from '../lib/shutdown.ts';

const root = resolve(import.meta.dirname, '..');
const log = createLogger({ name: 'console' });

const child = spawn(
  process.execPath,
  [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'start', ...process.argv.slice(2)],
  { cwd: root, stdio: 'inherit', env: { NEXT_TELEMETRY_DISABLED: '1', ...process.env } },
);
const shutdown = handleShutdown({
  logger: log,
  stop: async () => {
    if (await stopChild(child, SHUTDOWN_DEADLINE_MS - 1000))
      log.warn('next start did not close in time (open connections?); killed it');
  },
  onForceExit: () => child.kill('SIGKILL'),
});
child.on('exit', (code, signal) => {
  if (shutdown.stopping) return;
  log.error({ code, signal }, 'next start exited');
  process.exit(code ?? 1);
});
