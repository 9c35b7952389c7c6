import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from './env.ts';
import { freePorts } from './net.ts';

// A Kafka broker of the test's own, started with the same harness as the shared one
// (docker/kafka-local/kafka.sh) but on free ports and in a temp state dir, so a test can stop and
// start it without touching the broker colleagues' tests use. `down` / `up` keep the data dir:
// topics, offsets and committed positions survive, as in a real broker restart.

export interface PrivateBroker {
  /** `127.0.0.1:<port>` of the PLAINTEXT listener. */
  readonly bootstrap: string;
  readonly stateDir: string;
  up(): Promise<void>;
  down(): Promise<void>;
  /** Stops the broker (whatever state it is in) and removes its state dir. */
  destroy(): Promise<void>;
}

const HARNESS = 'docker/kafka-local/kafka.sh';

function run(command: 'up' | 'down', env: NodeJS.ProcessEnv, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [HARNESS, command], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolve();
      else reject(new Error(`kafka.sh ${command} failed (${signal ?? code}):\n${out.slice(-3000)}`));
    });
  });
}

export async function startPrivateBroker(): Promise<PrivateBroker> {
  const [port, controllerPort, securePort] = await freePorts(3);
  const stateDir = mkdtempSync(join(tmpdir(), 'cw-faults-broker-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    KAFKA_PORT: String(port),
    KAFKA_CONTROLLER_PORT: String(controllerPort),
    KAFKA_SECURE_PORT: String(securePort),
    KAFKA_LOCAL_DIR: stateDir,
  };
  // Never wipe or re-use anything by accident.
  delete env.KAFKA_LOCAL_RESET;
  const broker: PrivateBroker = {
    bootstrap: `127.0.0.1:${port}`,
    stateDir,
    up: () => run('up', env, 150_000),
    down: () => run('down', env, 60_000),
    async destroy() {
      await run('down', env, 60_000).catch(() => undefined);
      // If `down` itself failed, the pid file still names the broker; kill it only if that pid is
      // still a Kafka started on our own state dir (never someone else's process).
      const pidFile = join(stateDir, 'kafka.pid');
      const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : NaN;
      if (Number.isInteger(pid) && pid > 0) {
        try {
          const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
          if (cmdline.includes('kafka.Kafka') && cmdline.includes(stateDir)) process.kill(pid, 'SIGKILL');
        } catch {
          // already gone
        }
      }
      rmSync(stateDir, { recursive: true, force: true });
    },
  };
  try {
    await broker.up();
  } catch (err) {
    await broker.destroy();
    throw err;
  }
  return broker;
}
