// `node scripts/bench/profile-summary.ts FILE.cpuprofile [--top N] [--inclusive fnA,fnB] [--window FROM-TO]`:
// where the time of a V8 CPU profile went (see support/cpu-profile.ts), for profiles kept by
// `--profile`; `--window` takes only the samples between FROM and TO ms after the profile started.
import { REPO_ROOT } from './support/collector-process.ts';
import { formatSummary, summarizeProfile } from './support/cpu-profile.ts';

const [file, ...rest] = process.argv.slice(2);
if (!file) {
  process.stderr.write(
    'usage: node scripts/bench/profile-summary.ts FILE.cpuprofile [--top N] [--inclusive fnA,fnB] [--window FROM-TO]\n',
  );
  process.exit(2);
}
const opt = (name: string) => {
  const i = rest.indexOf(name);
  return i >= 0 ? rest[i + 1] : undefined;
};
const summary = summarizeProfile(file, {
  root: REPO_ROOT,
  top: Number(opt('--top') ?? 30),
  inclusiveOf: (opt('--inclusive') ?? '').split(',').filter(Boolean),
  ...(opt('--window') ? { windowMs: opt('--window')!.split('-').map(Number) as [number, number] } : {}),
});
process.stdout.write(`${formatSummary(summary)}\n`);
