import { collectorEnvSchema } from '../../collector/config.ts';
import { consoleEnvSchema } from '../../app/_lib/config.ts';
import { shopEnvSchema } from '../../shop-services/config.ts';
import type { K8sObject } from './helm.ts';

// The chart's counterpart of docker/compose.test.ts's check: which Causeway process a container
// runs decides which zod schema reads its environment, classified by command (as there) so a
// renamed Deployment cannot slip past. A misspelt variable would otherwise be ignored silently
// by the schema's defaults.

export const PROCESSES = [
  { kind: 'collector', pattern: /\bcollector\/main\.ts\b/, schema: collectorEnvSchema },
  { kind: 'shop', pattern: /\bshop-services\/main\.ts\b/, schema: shopEnvSchema },
  { kind: 'console', pattern: /\bnext start\b|\bnext\/dist\/bin\/next start\b/, schema: consoleEnvSchema },
] as const;
export type Process = (typeof PROCESSES)[number];

interface EnvVar {
  name: string;
  value?: string;
  valueFrom?: { secretKeyRef?: { name: string; key: string }; configMapKeyRef?: unknown };
}
export interface Container {
  name: string;
  command?: string[];
  args?: string[];
  env?: EnvVar[];
  [key: string]: unknown;
}

export interface RenderedContainer {
  readonly workload: string;
  readonly container: Container;
  readonly pod: Record<string, unknown>;
  readonly proc: Process | undefined;
}

/** Every container of every Deployment / StatefulSet, with the process it runs. */
export function containersOf(objects: readonly K8sObject[]): RenderedContainer[] {
  return objects
    .filter((o) => o.kind === 'Deployment' || o.kind === 'StatefulSet')
    .flatMap((o) => {
      const pod = (o.spec as { template: { spec: Record<string, unknown> } }).template.spec;
      return (pod.containers as Container[]).map((container) => {
        const command = [...(container.command ?? []), ...(container.args ?? [])].join(' ');
        return {
          workload: `${o.kind}/${o.metadata.name}`,
          container,
          pod,
          proc: PROCESSES.find((p) => p.pattern.test(command)),
        };
      });
    });
}

/**
 * The environment as the process would see it. A value from a Secret is not known at render
 * time; it stands in with one that satisfies any string rule of the schema (URL-shaped for a URL).
 */
export function envOf(container: Container): Record<string, string> {
  return Object.fromEntries(
    (container.env ?? []).map((e) => [
      e.name,
      e.value ??
        (e.name.endsWith('_URL') ? 'postgres://user:secret@db.example:5432/causeway' : 'from-a-secret-0123'),
    ]),
  );
}
