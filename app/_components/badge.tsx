import type { ReactNode } from 'react';

export type Tone = 'ok' | 'warn' | 'bad' | 'info' | 'neutral';

const TONES: Record<string, Tone> = {
  // Burrow-style lag status
  OK: 'ok',
  WARN: 'warn',
  STALL: 'bad',
  STOP: 'bad',
  REWIND: 'bad',
  // saga states
  RUNNING: 'info',
  COMPENSATING: 'warn',
  COMPLETED: 'ok',
  COMPENSATED: 'warn',
  FAILED: 'bad',
  COMPENSATION_FAILED: 'bad',
  STUCK: 'bad',
  // chains
  complete: 'ok',
  in_progress: 'info',
  stopped: 'warn',
  failed: 'bad',
  // chain outcomes (failed as above)
  succeeded: 'ok',
  open: 'info',
  // topic roles
  data: 'neutral',
  retry: 'warn',
  dlq: 'bad',
  compacted: 'info',
  // alerts
  critical: 'bad',
  warning: 'warn',
  firing: 'bad',
  pending: 'warn',
  // dlq / replay
  unresolved: 'bad',
  replayed: 'info',
  resolved: 'ok',
  quarantined: 'warn',
  processed: 'ok',
  chain_completed: 'ok',
  failed_again: 'bad',
  produced: 'info',
  refused: 'bad',
};

export function toneOf(value: string): Tone {
  return TONES[value] ?? 'neutral';
}

export function Badge({ value, label, testid }: { value: string; label?: ReactNode; testid?: string }) {
  return (
    <span className={`badge badge-${toneOf(value)}`} data-testid={testid} data-value={value}>
      {label ?? value}
    </span>
  );
}
