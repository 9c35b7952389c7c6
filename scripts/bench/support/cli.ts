// `npm run bench -- [ingest] [tail] [queries] [lag] [render] [scale] [--records N] ...`: no names
// runs all but `scale`, which needs a PostgreSQL server and is run by name.

export const BENCH_NAMES = ['ingest', 'queries', 'tail', 'lag', 'render', 'sustained', 'scale'] as const;
export type BenchName = (typeof BENCH_NAMES)[number];
const BY_NAME_ONLY: readonly BenchName[] = ['scale'];
export const STORE_KINDS = ['sqlite', 'postgres'] as const;
export type StoreKind = (typeof STORE_KINDS)[number];

export interface BenchOptions {
  readonly benches: readonly BenchName[];
  readonly brokers: string;
  /** Records pre-loaded for ingest, and stored for queries when seeded on their own. */
  readonly records: number;
  /** Whether `--records` was given (benchmarks with a smaller default of their own keep it otherwise). */
  readonly recordsGiven: boolean;
  /** The store queries seeds and reads when ingest did not fill one. */
  readonly store: StoreKind;
  /** A database on the PostgreSQL server the benchmarks create their databases on. */
  readonly pgUrl: string;
  readonly tailRate: number;
  readonly tailSeconds: number;
  readonly lagGroups: number;
  readonly lagTopics: number;
  readonly lagPartitionsPerTopic: number;
  readonly chainRecords: number;
  readonly chainSpans: number;
  readonly queryRequests: number;
  /** sustained: offered rates, records/s, and seconds at each. */
  readonly sustainedRates: readonly number[];
  readonly sustainedSeconds: number;
  /** Run the collector child with `--cpu-prof`, keep the profiles and print their top functions. */
  readonly profile: boolean;
}

const USAGE = `usage: npm run bench -- [${BENCH_NAMES.join('|')} ...] [options]
  --records N         records pre-loaded for ingest / stored for queries (default 1000000;
                      scale: 200000)
  --tail-rate N       live-tail produce rate, records/s (default 5000)
  --tail-seconds N    live-tail measuring window (default 20)
  --groups N          lag: consumer groups (default 200)
  --lag-topics N      lag: topics each group commits on (default 10)
  --lag-partitions N  lag: partitions per topic (default 5)
  --chain-records N   render: records in the big chain (default 2000, the chain view's cap)
  --chain-spans N     render: spans in the big chain (default 3000)
  --requests N        queries: requests per query (default 60)
  --rates A,B,...     sustained: offered rates, records/s (default 5000,10000,20000,40000)
  --sustained-seconds N  sustained: seconds at each rate (default 60)
  --store KIND        queries: sqlite (default) or postgres (seeds a fresh database)
  --pg-url URL        PostgreSQL server for scale and --store postgres
                      (default BENCH_PG_URL or postgres://postgres@127.0.0.1:5432/postgres)
  --profile           collector child runs with --cpu-prof; profiles are kept and summarised
  --brokers LIST      Kafka bootstrap servers (default KAFKA_BROKERS or 127.0.0.1:9092)`;

function positiveInt(flag: string, raw: string | undefined): number {
  const n = Number(raw?.replace(/_/g, ''));
  if (!raw || !Number.isInteger(n) || n <= 0)
    throw new Error(`${flag} needs a positive integer, got "${raw ?? ''}"\n${USAGE}`);
  return n;
}

export function parseBenchArgs(
  argv: readonly string[],
  env: Record<string, string | undefined> = process.env,
): BenchOptions {
  const benches: BenchName[] = [];
  const o = {
    brokers: env.KAFKA_BROKERS || '127.0.0.1:9092',
    records: 1_000_000,
    recordsGiven: false,
    store: 'sqlite' as StoreKind,
    pgUrl: env.BENCH_PG_URL || 'postgres://postgres@127.0.0.1:5432/postgres',
    tailRate: 5000,
    tailSeconds: 20,
    lagGroups: 200,
    lagTopics: 10,
    lagPartitionsPerTopic: 5,
    chainRecords: 2000,
    chainSpans: 3000,
    queryRequests: 60,
    sustainedRates: [5000, 10_000, 20_000, 40_000] as readonly number[],
    sustainedSeconds: 60,
    profile: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const next = () => argv[++i];
    switch (a) {
      case '--records':
        o.records = positiveInt(a, next());
        o.recordsGiven = true;
        break;
      case '--store': {
        const raw = next();
        const kind = STORE_KINDS.find((k) => k === raw);
        if (!kind) throw new Error(`--store needs ${STORE_KINDS.join(' or ')}, got "${raw ?? ''}"\n${USAGE}`);
        o.store = kind;
        break;
      }
      case '--pg-url':
        o.pgUrl = next() ?? o.pgUrl;
        break;
      case '--tail-rate':
        o.tailRate = positiveInt(a, next());
        break;
      case '--tail-seconds':
        o.tailSeconds = positiveInt(a, next());
        break;
      case '--groups':
        o.lagGroups = positiveInt(a, next());
        break;
      case '--lag-topics':
        o.lagTopics = positiveInt(a, next());
        break;
      case '--lag-partitions':
        o.lagPartitionsPerTopic = positiveInt(a, next());
        break;
      case '--chain-records':
        o.chainRecords = positiveInt(a, next());
        break;
      case '--chain-spans':
        o.chainSpans = positiveInt(a, next());
        break;
      case '--requests':
        o.queryRequests = positiveInt(a, next());
        break;
      case '--rates': {
        const raw = next() ?? '';
        o.sustainedRates = raw.split(',').map((r) => positiveInt(a, r));
        break;
      }
      case '--sustained-seconds':
        o.sustainedSeconds = positiveInt(a, next());
        break;
      case '--profile':
        o.profile = true;
        break;
      case '--brokers':
        o.brokers = next() ?? o.brokers;
        break;
      case '-h':
      case '--help':
        throw new Error(USAGE);
      default: {
        const name = BENCH_NAMES.find((b) => b === a);
        if (!name) throw new Error(`unknown argument "${a}"\n${USAGE}`);
        if (!benches.includes(name)) benches.push(name);
      }
    }
  }
  // Always in the canonical order: queries reuse ingest's store when both run.
  const chosen = benches.length
    ? BENCH_NAMES.filter((b) => benches.includes(b))
    : BENCH_NAMES.filter((b) => !BY_NAME_ONLY.includes(b));
  return { ...o, benches: chosen };
}
