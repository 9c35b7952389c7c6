// `npm run load -- --rate 200 --duration 60s [--url http://127.0.0.1:7001]`: places orders on the
// shop's order API at a steady rate (open model, like k6's constant-arrival-rate), then prints the
// achieved rate and latency percentiles. Works the same against the embedded and Kafka modes.
// Options: --max-in-flight N (default 2000), --customers N (size of the customer pool, default 500).
import { formatReport, parseLoadArgs, runLoad, type LoadOptions } from '../shop-services/load/generator.ts';

function optionsOrExit(): LoadOptions {
  try {
    return parseLoadArgs(process.argv.slice(2));
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(2);
  }
}

const opts = optionsOrExit();
const report = await runLoad(opts);
process.stdout.write(`${formatReport(opts, report)}\n`);
// Non-zero when nothing got through, so scripts notice an unreachable or broken shop.
process.exit(report.ok > 0 ? 0 : 1);
