import { spawnSync } from 'node:child_process';

// promtool is the reference parser and rule-test runner; the tests call it rather than trusting
// our own reading of PromQL. CI installs it next to Prometheus (Debian: `apt-get install prometheus`).

export const PROMTOOL_BIN = process.env.PROMTOOL_BIN ?? 'promtool';

export const MISSING_PROMTOOL = `promtool not found (looked for "${PROMTOOL_BIN}"): install it with \`apt-get install prometheus\` or set PROMTOOL_BIN`;

export function promtoolAvailable(): boolean {
  const r = spawnSync(PROMTOOL_BIN, ['--version'], { encoding: 'utf8' });
  return r.error === undefined && r.status === 0;
}

export interface PromtoolResult {
  readonly ok: boolean;
  /** stdout and stderr together, as a person running the command would read them. */
  readonly output: string;
}

export function promtool(args: readonly string[], cwd?: string): PromtoolResult {
  const r = spawnSync(PROMTOOL_BIN, args, { encoding: 'utf8', cwd, timeout: 60_000 });
  if (r.error) return { ok: false, output: `${MISSING_PROMTOOL}\n${r.error.message}` };
  return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
}
