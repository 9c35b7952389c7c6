// Shared by playwright.config.ts (runner) and the specs (workers): values that must agree.

/** The operator token the launcher is started with (and the specs type into the console). */
export const E2E_OPERATOR_TOKEN = process.env.CAUSEWAY_OPERATOR_TOKEN ?? 'e2e-operator-token-0001';

/**
 * Against a shared Kafka cluster the run's shop uses its own topic and group prefix (set once by
 * the config and inherited by the workers); on the embedded bus there is nobody to collide with.
 */
export const shopNamespace = (): string => process.env.E2E_SHOP_NAMESPACE ?? '';

/** A shop topic name as this run's shop writes it. */
export const shopTopic = (name: string): string => `${shopNamespace()}${name}`;
