import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from '@playwright/test';
import { E2E_OPERATOR_TOKEN, shopNamespace } from './tests/e2e/support/env.ts';

// End-to-end tests in Debian's Chromium against the whole stack, started by the all-in-one
// launcher (embedded bus unless KAFKA_BROKERS is set, in which case the real broker). Specs run
// one at a time and in file order: later ones (the stalled consumer) change shared state.

// A fresh data folder per run: stores from an earlier run would show old orders and DLQ entries.
// Kept in the environment so the workers (which load this file again) do not make their own.
process.env.E2E_DATA_DIR ??= mkdtempSync(join(tmpdir(), 'causeway-e2e-'));
const dataDir = process.env.E2E_DATA_DIR;
// With KAFKA_BROKERS the stack runs against the real broker, shared with others: this run's
// topics, groups and collector group get their own names.
if (process.env.KAFKA_BROKERS) process.env.E2E_SHOP_NAMESPACE ??= `e2e${Date.now().toString(36)}-`;
const kafkaIsolation: Record<string, string> = process.env.KAFKA_BROKERS
  ? {
      SHOP_NAMESPACE: shopNamespace(),
      COLLECTOR_GROUP_ID: `${shopNamespace()}causeway-collector`,
      COLLECTOR_TOPIC_INCLUDE: `${shopNamespace().replace(/[.]/g, '\\.')}.*`,
    }
  : {};

export default defineConfig({
  testDir: 'tests/e2e',
  testMatch: '**/*.spec.ts',
  fullyParallel: false,
  workers: 1,
  retries: 0,
  forbidOnly: Boolean(process.env.CI),
  timeout: 120_000,
  globalTimeout: 20 * 60_000,
  expect: { timeout: 15_000 },
  outputDir: 'test-results/artifacts',
  reporter: [['list'], ['html', { open: 'never', outputFolder: 'playwright-report' }]],
  use: {
    baseURL: 'http://127.0.0.1:3000',
    headless: true,
    viewport: { width: 1440, height: 900 },
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: '/usr/bin/chromium',
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
  webServer: {
    command: 'node scripts/start.ts',
    url: 'http://127.0.0.1:3000',
    reuseExistingServer: !process.env.CI,
    // The first start builds the console (next build) before serving it.
    timeout: 300_000,
    stdout: 'pipe',
    stderr: 'pipe',
    env: {
      CAUSEWAY_OPERATOR_TOKEN: E2E_OPERATOR_TOKEN,
      DATA_DIR: dataDir,
      PORT: '3000',
      LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn',
      NEXT_TELEMETRY_DISABLED: '1',
      // Scripted outcomes only: random declines or dead letters would make the flows flaky.
      FAULT_PAYMENT_DECLINE_RATE: '0',
      FAULT_INVENTORY_SHORTAGE_RATE: '0',
      FAULT_POISON_RATE: '0',
      FAULT_TRANSIENT_ERROR_RATE: '0',
      // Long enough that a dead-lettered order is replayed before its saga gives up on it.
      SHOP_STEP_DEADLINE_MS: '120000',
      // Lag figures (and so STALL) within seconds rather than a minute.
      LAG_POLL_INTERVAL_MS: '1000',
      // A two-minute `for:` would outlast the test: the native evaluation runs 20x faster here.
      ALERT_DURATION_SCALE: '0.05',
      ALERT_EVAL_INTERVAL_MS: '1000',
      ...kafkaIsolation,
    },
  },
});
