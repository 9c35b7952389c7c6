// The all-in-one launcher behind `npm start`: one process runs the bus (embedded unless
// KAFKA_BROKERS is set), the collector and every shop service, and a child process serves the
// console (`next start`). Like Jaeger's all-in-one, it is for trying Causeway and for fast tests;
// production runs each part as its own process (docker/docker-compose.yml).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createBusFromEnv } from '../lib/bus/index.ts';
import { busEnvSchema, parseEnv, ConfigError } from '../lib/config.ts';
import { createLogger } from '../lib/logger.ts';
import { handleShutdown, SHUTDOWN_DEADLINE_MS, stopChild } from '../lib/shutdown.ts';
import { createCollector, openSharedStore } from '../collector/index.ts';
import { loadCollectorConfig } from '../collector/config.ts';
import { createShop } from '../shop-services/index.ts';
import { loadShopConfig } from '../shop-services/config.ts';

const root = resolve(import.meta.dirname, '..');
const dev = process.argv.includes('--dev');
const log = createLogger({ name: 'causeway' });

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const p = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return newest;
}

/** `next start` needs a build; make one when there is none or the console sources are newer. */
function ensureConsoleBuild() {
  const buildId = join(root, '.next', 'BUILD_ID');
  const sources = Math.max(
    newestMtime(join(root, 'app')),
    newestMtime(join(root, 'lib')),
    statSync(join(root, 'next.config.js')).mtimeMs,
  );
  if (existsSync(buildId) && statSync(buildId).mtimeMs >= sources) return;
  log.info('building the console once (next build); later starts reuse it');
  const r = spawnSync(
    process.execPath,
    [join(root, 'node_modules', 'next', 'dist', 'bin', 'next'), 'build'],
    {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, NEXT_TELEMETRY_DISABLED: '1' },
    },
  );
  if (r.status !== 0) throw new Error('next build failed; see the output above');
}

async function main() {
  const env = { ...process.env };
  const base = parseEnv(busEnvSchema, env);
  const dataDir = resolve(base.DATA_DIR);
  mkdirSync(dataDir, { recursive: true });

  // Replay needs an operator token; the demo makes one unless you set CAUSEWAY_OPERATOR_TOKEN.
  const operatorToken = env.OPERATOR_TOKEN ?? env.CAUSEWAY_OPERATOR_TOKEN ?? randomBytes(12).toString('hex');
  const collectorConfig = loadCollectorConfig({ ...env, OPERATOR_TOKEN: operatorToken, DATA_DIR: dataDir });
  const bus = createBusFromEnv(base, log.child({ component: 'bus' }), 'causeway-all-in-one');

  const collector = createCollector({
    bus,
    config: collectorConfig,
    logger: log.child({ component: 'collector' }),
    store: await openSharedStore(collectorConfig),
    ownsStore: true,
  });
  await collector.start();

  const shopConfig = loadShopConfig({
    ...env,
    DATA_DIR: dataDir,
    OTEL_EXPORTER_OTLP_ENDPOINT: env.OTEL_EXPORTER_OTLP_ENDPOINT ?? collector.otlpUrl,
  });
  const shop = createShop({ bus, config: shopConfig, logger: log.child({ component: 'shop' }) });
  await shop.start();

  let next: ChildProcess | undefined;
  // Bounded whatever the parts are doing (lib/shutdown.ts); the console gets most of the deadline.
  const shutdown = handleShutdown({
    logger: log,
    // An exit at once must not leave the console serving on its own.
    onForceExit: () => next?.kill('SIGKILL'),
    stop: async () => {
      await Promise.all([
        next &&
          stopChild(next, SHUTDOWN_DEADLINE_MS - 1000).then(
            (killed) => killed && log.warn('the console did not close in time; killed it'),
          ),
        (async () => {
          await shop.stop().catch((err: unknown) => log.error({ err }, 'shop stop failed'));
          await collector.stop().catch((err: unknown) => log.error({ err }, 'collector stop failed'));
          await bus.close().catch(() => undefined);
        })(),
      ]);
    },
  });

  const urls = { collector: collector.apiUrl, shop: shop.orderUrl, bus: bus.kind };
  if (process.argv.includes('--no-console')) {
    log.info(urls, `Causeway is up without the console — operator token for replays: ${operatorToken}`);
  } else {
    if (!dev) ensureConsoleBuild();
    // A signal during the build: do not start what is being stopped.
    if (shutdown.stopping) return;
    const port = env.PORT ?? '3000';
    next = spawn(
      process.execPath,
      [
        join(root, 'node_modules', 'next', 'dist', 'bin', 'next'),
        dev ? 'dev' : 'start',
        '-p',
        port,
        '-H',
        '127.0.0.1',
      ],
      {
        cwd: root,
        stdio: 'inherit',
        env: { ...env, COLLECTOR_URL: collector.apiUrl, NEXT_TELEMETRY_DISABLED: '1' },
      },
    );
    next.on('exit', (code) => {
      if (!shutdown.stopping) {
        log.error({ code }, 'console process exited; stopping');
        shutdown.begin('console process exited', 1);
      }
    });
    log.info(
      { console: `http://127.0.0.1:${port}`, ...urls },
      `Causeway is up: open http://127.0.0.1:${port} — operator token for replays: ${operatorToken}`,
    );
  }
}

main().catch((err: unknown) => {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(2);
  }
  log.fatal({ err }, 'Causeway failed to start');
  process.exit(1);
});
