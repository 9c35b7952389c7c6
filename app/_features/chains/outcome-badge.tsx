import type { ChainOutcome } from '../../../lib/api/chains.ts';
import { Badge } from '../../_components/badge.tsx';

// Completeness and business outcome side by side: "complete" says the flow reached its end, the
// outcome says whether that end was a success. A cancelled order is complete, and never green.

/** `OrderCancelled` → `cancelled`: the last word of the terminal event type. */
export function outcomeVerb(event: string | null): string | null {
  const words = event?.match(/[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])/g);
  return words?.length ? words[words.length - 1]!.toLowerCase() : event;
}

export function outcomeText(o: ChainOutcome): string | null {
  if (o.kind === 'open') return o.reason;
  const verb = outcomeVerb(o.event) ?? o.kind;
  return o.reason ? `${verb} — ${o.reason}` : verb;
}

export function ChainStatusBadges({ status, outcome }: { status: string; outcome: ChainOutcome }) {
  const text = outcomeText(outcome);
  // Green only for a flow that completed and succeeded.
  const tone = status === 'complete' && outcome.kind !== 'succeeded' ? 'complete_unsuccessful' : status;
  return (
    <>
      <Badge value={tone} label={status.replace('_', ' ')} testid="chain-status" />
      {text ? (
        <span data-testid="chain-outcome" data-outcome={outcome.kind}>
          <Badge value={outcome.kind} label={text} />
        </span>
      ) : null}
    </>
  );
}
