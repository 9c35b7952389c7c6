import { fileURLToPath } from 'node:url';

// Where the fault suite runs: the repository root (child processes start there) and the shared
// broker CI provides through KAFKA_BROKERS. In CI a missing broker is a broken setup, not a reason
// to skip the Kafka files silently.

export const repoRoot = fileURLToPath(new URL('../../..', import.meta.url));

export const sharedBrokers = (process.env.KAFKA_BROKERS ?? '')
  .split(',')
  .map((b) => b.trim())
  .filter(Boolean);

if (process.env.CI && !sharedBrokers.length)
  throw new Error('CI must run the Kafka fault tests: set KAFKA_BROKERS (the shared local broker)');

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/**
 * A small seeded PRNG (mulberry32), so a failing random schedule can be replayed with
 * FAULTS_SEED=<seed> (each file prints the seed it used).
 */
export function seededRandom(label: string): { seed: number; next: () => number } {
  const seed = Number(process.env.FAULTS_SEED ?? Date.now() % 2 ** 31);
  console.info(`${label}: FAULTS_SEED=${seed}`);
  let a = seed >>> 0;
  return {
    seed,
    next() {
      a = (a + 0x6d2b79f5) >>> 0;
      let t = a;
      t = Math.imul(t ^ (t >>> 15), t | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    },
  };
}
