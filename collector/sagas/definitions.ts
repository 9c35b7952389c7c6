import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { ConfigError } from '../../lib/config.ts';

// Declarative saga definitions: how Causeway recognises a business flow in traffic it does not
// own. A choreographed flow has no orchestrator writing its state, so its instances are derived
// here: steps complete or fail on event types, succeeded steps may be compensated, and each step
// has a deadline after which the instance is reported STUCK. Orchestrated sagas report their own
// state (SagaStateChanged records); a definition for them only adds step names, the events a step
// waits for and fallback deadlines. Instances are keyed by correlation id (`ce_correlationid`).

const eventType = z.string().min(1).max(256);

export const sagaStepDefinitionSchema = z.object({
  name: z.string().min(1).max(128),
  /** Event types that mark the step succeeded. */
  completedBy: z.array(eventType).min(1),
  failedBy: z.array(eventType).default([]),
  /** Event types that undo a succeeded step once the saga compensates. */
  compensatedBy: z.array(eventType).default([]),
  compensationFailedBy: z.array(eventType).default([]),
  /** Steps that must succeed before this one starts. Default: the previous step (none for the first). */
  after: z.array(z.string().min(1)).optional(),
  deadlineMs: z.number().int().positive().optional(),
  /** Orchestrated sagas only: a compensation step (shown when the saga compensates, never PENDING). */
  compensation: z.boolean().default(false),
});

export const sagaDefinitionSchema = z.object({
  type: z.string().min(1).max(128),
  mode: z.enum(['choreographed', 'orchestrated']).default('choreographed'),
  description: z.string().max(1000).optional(),
  /** Event types that start an instance (any later event of the flow also creates it if missing). */
  startedBy: z.array(eventType).min(1),
  steps: z.array(sagaStepDefinitionSchema).default([]),
  /** Event types that complete the whole saga at once, whatever its steps say. */
  completedBy: z.array(eventType).default([]),
  /** Event types that end a running saga as failed (compensating its succeeded steps first). */
  failedBy: z.array(eventType).default([]),
  /** Default step deadline. */
  deadlineMs: z.number().int().positive().optional(),
});

export const sagaDefinitionsFileSchema = z
  .object({ version: z.literal(1), sagas: z.array(sagaDefinitionSchema) })
  .superRefine((file, ctx) => {
    const types = new Set<string>();
    file.sagas.forEach((s, i) => {
      if (types.has(s.type))
        ctx.addIssue({
          code: 'custom',
          path: ['sagas', i, 'type'],
          message: `duplicate saga type "${s.type}"`,
        });
      types.add(s.type);
      if (s.mode === 'choreographed' && !s.steps.length)
        ctx.addIssue({
          code: 'custom',
          path: ['sagas', i, 'steps'],
          message: 'a choreographed saga needs at least one step',
        });
      const names = new Set<string>();
      s.steps.forEach((step, j) => {
        if (names.has(step.name))
          ctx.addIssue({
            code: 'custom',
            path: ['sagas', i, 'steps', j, 'name'],
            message: `duplicate step name "${step.name}"`,
          });
        for (const a of step.after ?? [])
          if (!names.has(a))
            ctx.addIssue({
              code: 'custom',
              path: ['sagas', i, 'steps', j, 'after'],
              message: `"${a}" is not an earlier step of ${s.type}`,
            });
        names.add(step.name);
      });
    });
  });

export type SagaDefinition = z.infer<typeof sagaDefinitionSchema>;
export type SagaStepDefinition = z.infer<typeof sagaStepDefinitionSchema>;

export const SHOP_SAGAS_FILE = fileURLToPath(new URL('./shop.sagas.json', import.meta.url));

/** Parses a definitions document; throws a ConfigError naming each problem and where it is. */
export function parseSagaDefinitions(doc: unknown, source = 'saga definitions'): SagaDefinition[] {
  const parsed = sagaDefinitionsFileSchema.safeParse(doc);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`Invalid ${source} (SAGA_DEFINITIONS_FILE):\n${lines.join('\n')}`);
  }
  return parsed.data.sagas;
}

/** Reads the file named by SAGA_DEFINITIONS_FILE, or the shop's definitions when unset. */
export function loadSagaDefinitions(path: string | undefined): SagaDefinition[] {
  const file = path ?? SHOP_SAGAS_FILE;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read SAGA_DEFINITIONS_FILE ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`SAGA_DEFINITIONS_FILE ${file} is not valid JSON: ${(err as Error).message}`);
  }
  return parseSagaDefinitions(doc, file);
}

/** Lookups the derivations need, precomputed once. */
export interface SagaCatalog {
  readonly all: readonly SagaDefinition[];
  byType(type: string): SagaDefinition | undefined;
  /** Choreographed definitions in which this event type plays a part. */
  choreographedFor(eventType: string): SagaDefinition[];
  /** The flow a chain belongs to, from one of its event types: the first definition started by it. */
  flowOf(eventType: string): string | undefined;
}

export function createSagaCatalog(defs: readonly SagaDefinition[]): SagaCatalog {
  const byType = new Map(defs.map((d) => [d.type, d]));
  const choreo = new Map<string, SagaDefinition[]>();
  for (const d of defs.filter((x) => x.mode === 'choreographed')) {
    const types = new Set([
      ...d.startedBy,
      ...d.completedBy,
      ...d.failedBy,
      ...d.steps.flatMap((s) => [
        ...s.completedBy,
        ...s.failedBy,
        ...s.compensatedBy,
        ...s.compensationFailedBy,
      ]),
    ]);
    for (const t of types) choreo.set(t, [...(choreo.get(t) ?? []), d]);
  }
  return {
    all: defs,
    byType: (t) => byType.get(t),
    choreographedFor: (t) => choreo.get(t) ?? [],
    flowOf: (t) => defs.find((d) => d.startedBy.includes(t))?.type,
  };
}
