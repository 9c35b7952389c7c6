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
  readonly now: () => number;
  readonly fetch?: typeof fetch;
}

async function createAlertmanagerSilence(
  deps: AlertActionsDeps,
  body: {
    matchers: AlertAction['matchers'];
    startsAt: number;
    endsAt: number;
    createdBy: string;
    comment: string;
  },
): Promise<string> {
  const doFetch = deps.fetch ?? fetch;
  const url = new URL('/api/v2/silences', deps.alertmanagerUrl);
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
  const via = deps.alertmanagerUrl ? ('alertmanager' as const) : ('native' as const);
  return {
    silencesVia: via,
    async create(req: AlertActionRequest, identity: string): Promise<AlertAction> {
      const now = deps.now();
      const createdBy = req.actor ? `${identity} (${req.actor})` : identity;
      const endsAt = req.kind === 'silence' ? now + req.durationMs! : null;
      const goesToAm = req.kind === 'silence' && via === 'alertmanager';
      const externalId = goesToAm
        ? await createAlertmanagerSilence(deps, {
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
