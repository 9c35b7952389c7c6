import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

// Vendors the JSON schemas of the Strimzi resources deploy/strimzi uses, so the unit tests validate
// those manifests offline. Strimzi publishes no CRD files to a package registry, but its CRDs are
// generated from the model classes in `io.strimzi:api` by `io.strimzi:crd-generator`, both on
// Maven Central; this runs that generator exactly as Strimzi's own build does and keeps each
// CRD's openAPIV3Schema. Run it by hand when moving to another Strimzi release (not in CI):
//   JAVA=/path/to/java21+/bin/java node deploy/strimzi/schemas/vendor.ts
// Strimzi 1.x classes are Java 21 bytecode; Maven itself can run on the machine's Java 17.

/** Keep in step with strimzi.version in pom.xml. */
export const STRIMZI_VERSION = '1.2.0';
export const STRIMZI_API_VERSION = 'kafka.strimzi.io/v1';

export const STRIMZI_KINDS = {
  Kafka: 'io.strimzi.api.kafka.model.kafka.Kafka',
  KafkaNodePool: 'io.strimzi.api.kafka.model.nodepool.KafkaNodePool',
  KafkaTopic: 'io.strimzi.api.kafka.model.topic.KafkaTopic',
  KafkaUser: 'io.strimzi.api.kafka.model.user.KafkaUser',
} as const;
export type StrimziKind = keyof typeof STRIMZI_KINDS;

export const schemaFile = (kind: StrimziKind): string =>
  fileURLToPath(new URL(`./${kind}.json`, import.meta.url));

/** Descriptions are most of a CRD's bytes and no validator reads them. */
function withoutDescriptions(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(withoutDescriptions);
  if (node === null || typeof node !== 'object') return node;
  return Object.fromEntries(
    Object.entries(node)
      .filter(([key, value]) => !(key === 'description' && typeof value === 'string'))
      .map(([key, value]) => [key, withoutDescriptions(value)]),
  );
}

interface Crd {
  spec: { versions: { name: string; schema: { openAPIV3Schema: unknown } }[] };
}

function vendor(): void {
  const dir = mkdtempSync(join(tmpdir(), 'strimzi-crds-'));
  try {
    const pom = fileURLToPath(new URL('./pom.xml', import.meta.url));
    const cpFile = join(dir, 'classpath.txt');
    execFileSync('mvn', ['-q', '-f', pom, 'dependency:build-classpath', `-Dmdep.outputFile=${cpFile}`], {
      stdio: 'inherit',
    });
    const targets = Object.entries(STRIMZI_KINDS).map(([kind, cls]) => `${cls}=${join(dir, `${kind}.yaml`)}`);
    // The same switches as Strimzi's api/pom.xml uses for the CRDs it installs.
    execFileSync(
      process.env.JAVA ?? 'java',
      [
        '-cp',
        readFileSync(cpFile, 'utf8').trim(),
        'io.strimzi.crdgenerator.CrdGenerator',
        '--target-kube',
        '1.16+',
        '--crd-api-version',
        'v1',
        '--api-versions',
        'v1',
        '--storage-version',
        'v1',
        '--yaml',
        ...targets,
      ],
      { stdio: 'inherit' },
    );
    for (const kind of Object.keys(STRIMZI_KINDS) as StrimziKind[]) {
      const crd = parse(readFileSync(join(dir, `${kind}.yaml`), 'utf8')) as Crd;
      const version = crd.spec.versions.find((v) => v.name === 'v1');
      if (!version) throw new Error(`the generated ${kind} CRD has no v1 version`);
      const doc = {
        $comment: `openAPIV3Schema of ${kind} ${STRIMZI_API_VERSION}, Strimzi ${STRIMZI_VERSION}; written by deploy/strimzi/schemas/vendor.ts`,
        schema: withoutDescriptions(version.schema.openAPIV3Schema),
      };
      writeFileSync(schemaFile(kind), `${JSON.stringify(doc, null, 1)}\n`);
      console.log(`wrote ${schemaFile(kind)}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) vendor();
