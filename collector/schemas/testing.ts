import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Starts the test registry (testing-registry.ts) in a child process and returns its URL.

export const FIXTURES = fileURLToPath(new URL('./fixtures/', import.meta.url));

export async function startTestRegistryProcess(
  configFile = `${FIXTURES}registry.json`,
): Promise<{ url: string; stop: () => Promise<void>; child: ChildProcess }> {
  const child = fork(fileURLToPath(new URL('./testing-registry.ts', import.meta.url)), [configFile], {
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(d.toString('utf8').trim())));
    child.once('exit', (code) => reject(new Error(`test registry exited with ${code}`)));
  });
  return {
    url: `http://127.0.0.1:${port}`,
    child,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill();
      }),
  };
}
