import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { expect, test } from '@playwright/test';
import { ConsolePage } from './pages/console-page.ts';

// First start (issue 16 point 10): an old Node is told what is wrong before any .ts file is
// loaded, and no page logs a 404 for its icon.

const preflight = (node: string, ...flags: string[]) =>
  spawnSync(node, [...flags, 'scripts/preflight.mjs', 'scripts/start.ts'], {
    encoding: 'utf8',
    timeout: 30_000,
  });

test('a Node without type stripping gets a clear message naming its version, not ERR_UNKNOWN_FILE_EXTENSION', () => {
  // Any CI has this Node; switching type stripping off is what an older Node looks like.
  const off = preflight(process.execPath, '--no-experimental-strip-types');
  expect(off.status).toBe(1);
  expect(off.stderr).toContain('Node 22.18 or newer');
  expect(off.stderr).toContain(process.versions.node);
  expect(off.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
});

test('the Node 20 of the distribution (when installed) gets the same message', () => {
  const system = '/usr/bin/node';
  const version = existsSync(system)
    ? spawnSync(system, ['--version'], { encoding: 'utf8' }).stdout.trim()
    : '';
  const major = Number(/^v(\d+)/.exec(version)?.[1] ?? 0);
  test.skip(!major || major >= 23, `no old Node at ${system} (${version || 'absent'})`);
  const old = preflight(system);
  expect(old.status).toBe(1);
  expect(old.stderr).toContain(`This is Node ${version.slice(1)}`);
  expect(old.stderr).toContain('Install Node 24');
  expect(old.stderr).not.toContain('ERR_UNKNOWN_FILE_EXTENSION');
});

test('the console serves an icon and no page asks for a missing one', async ({ page, request }) => {
  const ico = await request.get('/favicon.ico');
  expect(ico.status()).toBe(200);
  expect(ico.headers()['content-type']).toMatch(/icon/);
  const missing: string[] = [];
  page.on('response', (r) => {
    if (r.status() === 404) missing.push(r.url());
  });
  const console = new ConsolePage(page);
  for (const path of ['/', '/chains', '/sagas', '/dlq', '/consumers', '/alerts', '/tail']) {
    await console.open(path);
    await page.waitForLoadState('load');
  }
  const icon = page.locator('link[rel="icon"]').first();
  await expect(icon).toHaveAttribute('href', /icon|favicon/);
  expect(missing).toEqual([]);
  await console.screenshot('first-start-icon');
});
