// What the flow map's shapes, colours, widths and dashes mean.

const NODE_KINDS = [
  { kind: 'service', label: 'Service', rx: 5 },
  { kind: 'topic', label: 'Topic', rx: 1 },
  { kind: 'group', label: 'Consumer group', rx: 7 },
] as const;
const TONES = [
  { tone: 'ok', label: 'Flowing' },
  { tone: 'warn', label: 'Some errors / lag warning' },
  { tone: 'bad', label: 'Errors ≥ 5 %, dead letters or stalled' },
  { tone: 'idle', label: 'No traffic in the window' },
] as const;

export function FlowLegend() {
  return (
    <div className="flow-legend" data-testid="flow-legend" role="group" aria-label="Flow map legend">
      {NODE_KINDS.map((k) => (
        <span key={k.kind} className="flow-legend-item" data-testid="flow-legend-item">
          <svg width="28" height="16" aria-hidden="true">
            <rect x="1" y="1" width="26" height="14" rx={k.rx} className={`node-shape node-${k.kind}`} />
          </svg>
          {k.label}
        </span>
      ))}
      {TONES.map((t) => (
        <span key={t.tone} className="flow-legend-item" data-testid="flow-legend-item">
          <svg width="28" height="16" aria-hidden="true">
            <path d="M2,8 L26,8" className={`flow-edge flow-${t.tone}`} strokeWidth={3} />
          </svg>
          {t.label}
        </span>
      ))}
      <span className="flow-legend-item" data-testid="flow-legend-item">
        <svg width="28" height="16" aria-hidden="true">
          <path d="M2,8 L26,8" className="flow-edge flow-ok flow-back" strokeWidth={3} />
        </svg>
        Runs back to an earlier step (a reply)
      </span>
      <span className="flow-legend-item" data-testid="flow-legend-item">
        <svg width="28" height="16" aria-hidden="true">
          <path d="M2,4 L26,4" className="flow-edge flow-ok" strokeWidth={1.2} />
          <path d="M2,12 L26,12" className="flow-edge flow-ok" strokeWidth={6} />
        </svg>
        Width: records per second
      </span>
    </div>
  );
}
