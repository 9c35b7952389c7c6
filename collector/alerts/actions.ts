import { randomUUID } from 'node:crypto';
import type { AlertAction, AlertActionRequest } from '../../lib/api/alerts.ts';
import { AppError } from '../../lib/errors.ts';
import type { Store } from '../store/types.ts';

// Silencing and acknowledging alerts. With ALERTMANAGER_URL a silence is created through
// Alertmanager's API v2 (POST /api/v2/silences), so the notifications stop where they are sent;
// without it the silence is the collector's own and the console marks the matching alerts. Either
// way the collector keeps the audit row (who, when, why). Acknowledgements are always native:
// Alertmanager has no such notion.

/** Acknowledgements are shown for this long (an alert that keeps firing longer is re-examined). */
export const ACK_SHOWN_MS = 24 * 3_600_000;

export interface AlertActionsDeps {
  readonly store: Store;
  readonly alertmanagerUrl: string | undefined;
  /** With no ALERTMANAGER_URL, the Alertmanager this Prometheus notifies is used (discovered). */
  readonly prometheusUrl?: string | undefined;
  readonly now: () => number;
  readonly fetch?: typeof fetch;
}

/** How long a discovered Alertmanager address is trusted before Prometheus is asked again. */
const DISCOVERY_TTL_MS = 60_000;

/**
 * The Alertmanager a Prometheus sends its alerts to, from `GET /api/v1/alertmanagers` (its active
 * ones are URLs of their alerts endpoint, `…/api/v2/alerts`); undefined when it has none or
 * cannot be asked.
 */
async function discoverAlertmanager(
  prometheusUrl: string,
  doFetch: typeof fetch,
): Promise<string | undefined> {
  try {
    const res = await doFetch(new URL('/api/v1/alertmanagers', prometheusUrl), {
      signal: AbortSignal.timeout(3_000),
    });
    if (!res.ok) return undefined;
    const body = (await res.json()) as { data?: { activeAlertmanagers?: { url?: unknown }[] } };
    const url = body.data?.activeAlertmanagers?.find((a) => typeof a.url === 'string')?.url;
    return typeof url === 'string' ? url.replace(/\/api\/v[12]\/alerts\/?$/, '') : undefined;
  } catch {
    return undefined;
  }
}

async function createAlertmanagerSilence(
  deps: AlertActionsDeps,
  alertmanagerUrl: string,
  body: {
    matchers: AlertAction['matchers'];
    startsAt: number;
    endsAt: number;
    createdBy: string;
    comment: string;
  },
): Promise<string> {
  const doFetch = deps.fetch ?? fetch;
  const url = new URL('/api/v2/silences', alertmanagerUrl);
  let res: Response;
  try {
    res = await doFetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        matchers: body.matchers.map((m) => ({ name: m.name, value: m.value, isRegex: false, isEqual: true })),
        startsAt: new Date(body.startsAt).toISOString(),
        endsAt: new Date(body.endsAt).toISOString(),
        createdBy: body.createdBy,
        comment: body.comment,
      }),
      signal: AbortSignal.timeout(5_000),
    });
  } catch (err) {
    throw new AppError(`Alertmanager did not answer: ${err instanceof Error ? err.message : String(err)}`, {
      statusCode: 502,
      code: 'bad_gateway',
    });
  }
  const text = await res.text();
  if (!res.ok)
    throw new AppError(`Alertmanager refused the silence (${res.status}): ${text.slice(0, 300)}`, {
      statusCode: 502,
      code: 'bad_gateway',
    });
  const id = (JSON.parse(text) as { silenceID?: unknown }).silenceID;
  if (typeof id !== 'string')
    throw new AppError('Alertmanager answered without a silenceID', { statusCode: 502 });
  return id;
}

export function createAlertActions(deps: AlertActionsDeps) {
  let discovered: { url: string | undefined; at: number } | undefined;
  /** The Alertmanager silences go to: configured, else discovered from Prometheus, else none. */
  async function alertmanager(): Promise<string | undefined> {
    if (deps.alertmanagerUrl) return deps.alertmanagerUrl;
    if (!deps.prometheusUrl) return undefined;
    const now = deps.now();
    if (!discovered || now - discovered.at > DISCOVERY_TTL_MS)
      discovered = { url: await discoverAlertmanager(deps.prometheusUrl, deps.fetch ?? fetch), at: now };
    return discovered.url;
  }
  return {
    silencesVia: async () => ((await alertmanager()) ? ('alertmanager' as const) : ('native' as const)),
    async create(req: AlertActionRequest, identity: string): Promise<AlertAction> {
      const now = deps.now();
      const createdBy = req.actor ? `${identity} (${req.actor})` : identity;
      const endsAt = req.kind === 'silence' ? now + req.durationMs! : null;
      const am = req.kind === 'silence' ? await alertmanager() : undefined;
      const goesToAm = am !== undefined;
      const externalId = goesToAm
        ? await createAlertmanagerSilence(deps, am, {
            matchers: req.matchers,
            startsAt: now,
            endsAt: endsAt!,
            createdBy,
            comment: req.comment,
          })
        : null;
      const row: AlertAction = {
        id: randomUUID(),
        kind: req.kind,
        matchers: req.matchers,
        startsAt: now,
        endsAt,
        comment: req.comment,
        createdBy,
        via: goesToAm ? 'alertmanager' : 'native',
        externalId,
      };
      await deps.store.transaction((tx) => tx.alertActions.insert(row));
      return row;
    },
    current: () => {
      const now = deps.now();
      return deps.store.alertActions.current(now, now - ACK_SHOWN_MS);
    },
  };
}
