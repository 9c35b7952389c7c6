'use client';

import { useMemo } from 'react';
import { scaleLinear } from 'd3';
import type { SagaDetail } from '../../../lib/api/sagas.ts';
import { formatDuration } from '../../_lib/format.ts';
import { useElementWidth } from '../../_lib/use-viewport.ts';
import { Badge } from '../../_components/badge.tsx';

const ROW_H = 30;
const LABEL_W = 380;

/**
 * The saga's steps on one time axis: forward steps, then compensations (marked), each a bar from
 * start to end. Same pattern as the chain waterfall: d3 scale, React elements.
 */
export function SagaTimeline({ saga, now }: { saga: SagaDetail; now: number }) {
  const [setEl, width] = useElementWidth<HTMLDivElement>(900);
  const barW = Math.max(160, width - LABEL_W - 40);
  const { t0, t1 } = useMemo(() => {
    const times = saga.steps.flatMap((s) => [s.startedAt, s.endedAt]).filter((t): t is number => t !== null);
    const start = Math.min(saga.startedAt, ...times);
    const end = Math.max(saga.updatedAt, ...times, saga.nextExpected?.deadline ?? 0);
    return { t0: start, t1: Math.max(end, start + 1) };
  }, [saga]);
  const x = scaleLinear().domain([t0, t1]).range([0, barW]);

  return (
    <div ref={setEl} data-testid="saga-timeline">
      {saga.steps.length === 0 ? <p className="muted">No steps recorded yet.</p> : null}
      {saga.steps.map((step, i) => {
        const start = step.startedAt;
        const end =
          step.endedAt ?? (step.status === 'STARTED' || step.status === 'COMPENSATING' ? now : start);
        return (
          <div
            key={`${step.name}-${i}`}
            className={`saga-step${step.compensation ? ' saga-step-comp' : ''}`}
            data-testid="saga-step"
            data-step={step.name}
            data-status={step.status}
            data-compensation={step.compensation ? 'true' : 'false'}
          >
            <div className="saga-step-label" style={{ width: LABEL_W }}>
              {step.compensation ? <span className="wf-flag wf-flag-warn">↶ compensation</span> : null}
              <span className="wf-name">{step.name}</span>
              <Badge
                value={
                  step.status === 'SUCCEEDED' ? 'OK' : step.status === 'TIMED_OUT' ? 'STUCK' : step.status
                }
                label={step.status}
              />
            </div>
            <svg width={barW} height={ROW_H} aria-hidden="true">
              {start !== null && end !== null ? (
                <rect
                  x={x(start)}
                  y={8}
                  width={Math.max(3, x(end) - x(start))}
                  height={14}
                  rx={3}
                  className={`seg ${step.status === 'FAILED' || step.status === 'TIMED_OUT' ? 'seg-error' : step.compensation ? 'seg-span' : 'seg-process'}`}
                >
                  <title>{start !== null && end !== null ? formatDuration(end - start) : ''}</title>
                </rect>
              ) : null}
            </svg>
          </div>
        );
      })}
    </div>
  );
}
