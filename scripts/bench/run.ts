// `npm run bench -- [ingest] [queries] [tail] [lag] [render] [scale] [--records N] ...`: runs the
// chosen benchmarks (all but scale when none is named) against the Kafka broker at KAFKA_BROKERS / 127.0.0.1:9092.
// One JSON line per figure on stdout, progress on stderr. Not part of CI: figures depend on the
// machine. Every topic, group, process and temp dir a benchmark makes is removed when it ends,
// also after a failure or Ctrl-C. See docs/benchmarks.md for what each figure means.
import { ingestBench } from './ingest.ts';
import { lagBench } from './lag.ts';
import { queriesBench } from './queries.ts';
import { renderBench } from './render.ts';
import { scaleBench } from './scale.ts';
import { createCleanup } from './support/cleanup.ts';
import { parseBenchArgs, type BenchName, type BenchOptions } from './support/cli.ts';
import { createContext, type Bench } from './support/context.ts';
import { silenceNegativeTimeoutWarnings } from './support/kafka.ts';
import { progress } from './support/report.ts';
import { sustainedBench } from './sustained.ts';
import { tailBench } from './tail.ts';

const BENCHES: Record<BenchName, Bench> = {
  ingest: ingestBench,
  queries: queriesBench,
  tail: tailBench,
  lag: lagBench,
  render: renderBench,
  sustained: sustainedBench,
  scale: scaleBench,
};

function optionsOrExit(): BenchOptions {
  try {
    return parseBenchArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

silenceNegativeTimeoutWarnings();

const opts = optionsOrExit();
const runCleanup = createCleanup('run');
const ctx = createContext(opts, runCleanup);
let current = createCleanup('run');
let interrupted = false;

const onSignal = (signal: string) => {
  if (interrupted) process.exit(130);
  interrupted = true;
  progress('run', `${signal}: cleaning up (again to exit at once)`);
  void current
    .runAll()
    .then(() => runCleanup.runAll())
    .finally(() => process.exit(130));
};
process.on('SIGINT', () => onSignal('SIGINT'));
process.on('SIGTERM', () => onSignal('SIGTERM'));

let failed = 0;
progress('run', `run ${ctx.runId}: ${opts.benches.join(', ')} against ${opts.brokers}`);
for (const name of opts.benches) {
  if (interrupted) break;
  current = createCleanup(name);
  const t0 = performance.now();
  try {
    await BENCHES[name](ctx, current);
    progress(name, `done in ${Math.round((performance.now() - t0) / 1000)} s`);
  } catch (err) {
    failed++;
    progress(name, `FAILED: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  } finally {
    await current.runAll();
  }
}
await runCleanup.runAll();
if (opts.profile) progress('run', `CPU profiles kept in ${ctx.profileRoot}`);
process.exit(failed ? 1 : 0);
