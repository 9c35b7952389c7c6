// Readiness probe for kafka.sh: exits 0 and prints the cluster id once the broker at argv[2]
// answers a metadata request. kafka.sh compares that id with the one it formatted the log dir
// with, so a different broker that happens to hold the port never passes for ours.
// A JVM-based check (kafka-broker-api-versions) would cost seconds of JVM start-up per poll.
import { Kafka, logLevel } from 'kafkajs';

// Bounds one attempt; kafka.sh owns the overall deadline and retries.
const ATTEMPT_TIMEOUT_MS = 5_000;

const broker = process.argv[2] ?? '127.0.0.1:9092';

setTimeout(() => process.exit(1), ATTEMPT_TIMEOUT_MS).unref();

const admin = new Kafka({
  clientId: 'causeway-kafka-local-probe',
  brokers: [broker],
  connectionTimeout: 1_000,
  requestTimeout: 2_000,
  retry: { retries: 0 },
  logLevel: logLevel.NOTHING,
}).admin();

try {
  await admin.connect();
  const { clusterId } = await admin.describeCluster();
  process.stdout.write(`${clusterId}\n`);
} catch {
  process.exitCode = 1;
} finally {
  await admin.disconnect();
}
