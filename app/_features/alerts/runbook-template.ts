import { renderTemplate } from '../../../lib/alerts/go-template.ts';

// A runbook's templated text (`{{ $labels.origin_topic }}`, `{{ $value | humanize }}`) is filled
// with the labels and value of the alert the user came from. Opened without them (a bookmark, the
// rule list), each action becomes a readable placeholder (‹origin_topic›) instead of raw template.

export interface RunbookContext {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number | null;
}

const placeholder = (body: string): string => {
  const label = /\$labels\.([A-Za-z_][A-Za-z0-9_]*)/.exec(body);
  if (label) return `‹${label[1]}›`;
  return /\$value|\.Value/.test(body) ? '‹value›' : '‹…›';
};

export function fillRunbookText(template: string, ctx: RunbookContext | null): string {
  const known = (body: string) => {
    const label = /\$labels\.([A-Za-z_][A-Za-z0-9_]*)/.exec(body);
    if (label) return label[1] !== undefined && ctx?.labels[label[1]] !== undefined;
    return ctx?.value !== null && ctx?.value !== undefined;
  };
  return template.replace(/\{\{(.*?)\}\}/g, (whole: string, body: string) => {
    if (!ctx || !known(body)) return placeholder(body);
    try {
      return renderTemplate(whole, { labels: ctx.labels, value: ctx.value ?? Number.NaN });
    } catch {
      return placeholder(body);
    }
  });
}

/** The labels and value a runbook link carries (`?label.origin_topic=…&value=…`). */
export function runbookContext(
  search: Readonly<Record<string, string | string[] | undefined>>,
): RunbookContext | null {
  const labels: Record<string, string> = {};
  for (const [k, v] of Object.entries(search))
    if (k.startsWith('label.') && typeof v === 'string' && v.length <= 1024) labels[k.slice(6)] = v;
  const raw = typeof search.value === 'string' ? Number(search.value) : Number.NaN;
  const value = Number.isFinite(raw) ? raw : null;
  return Object.keys(labels).length || value !== null ? { labels, value } : null;
}
