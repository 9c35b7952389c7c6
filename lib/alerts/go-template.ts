import { formatG } from './go-format.ts';

// The subset of Go's text/template that Causeway's annotations use, with Prometheus's template
// functions. Anything else throws, and a test renders every definition, so an annotation that only
// Prometheus could render cannot be merged.

export interface TemplateData {
  readonly labels: Readonly<Record<string, string>>;
  readonly value: number;
  /** Prometheus's `global.external_labels` (`$externalLabels`). */
  readonly externalLabels?: Readonly<Record<string, string>>;
}

const SI_UP = ['k', 'M', 'G', 'T', 'P', 'E', 'Z', 'Y'];
const SI_DOWN = ['m', 'u', 'n', 'p', 'f', 'a', 'z', 'y'];

function scaleDown(v: number): [number, string] {
  let prefix = '';
  for (const p of SI_DOWN) {
    if (Math.abs(v) >= 1) break;
    prefix = p;
    v *= 1000;
  }
  return [v, prefix];
}

export function humanize(v: number): string {
  if (v === 0 || !Number.isFinite(v)) return formatG(v, 4);
  if (Math.abs(v) >= 1) {
    let prefix = '';
    for (const p of SI_UP) {
      if (Math.abs(v) < 1000) break;
      prefix = p;
      v /= 1000;
    }
    return formatG(v, 4) + prefix;
  }
  const [scaled, prefix] = scaleDown(v);
  return formatG(scaled, 4) + prefix;
}

export function humanizeDuration(v: number): string {
  if (!Number.isFinite(v)) return formatG(v, 4);
  if (v === 0) return `${formatG(v, 4)}s`;
  if (Math.abs(v) >= 1) {
    const sign = v < 0 ? '-' : '';
    const total = Math.trunc(Math.abs(v));
    const seconds = total % 60;
    const minutes = Math.trunc(total / 60) % 60;
    const hours = Math.trunc(total / 3600) % 24;
    const days = Math.trunc(total / 86_400);
    if (days !== 0) return `${sign}${days}d ${hours}h ${minutes}m ${seconds}s`;
    if (hours !== 0) return `${sign}${hours}h ${minutes}m ${seconds}s`;
    if (minutes !== 0) return `${sign}${minutes}m ${seconds}s`;
    return `${sign}${formatG(Math.abs(v), 4)}s`;
  }
  const [scaled, prefix] = scaleDown(v);
  return `${formatG(scaled, 4)}${prefix}s`;
}

export const humanizePercentage = (v: number): string => `${formatG(v * 100, 4)}%`;

const functions: Record<string, (v: number) => string> = { humanize, humanizeDuration, humanizePercentage };

type Value = string | number;

function operand(token: string, data: TemplateData): Value {
  if (token === '$value' || token === '.Value') return data.value;
  const label = /^(?:\$labels|\.Labels)\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(token);
  // Prometheus renders with missingkey=zero: an absent label is an empty string.
  if (label?.[1] !== undefined) return data.labels[label[1]] ?? '';
  const external = /^\$externalLabels\.([A-Za-z_][A-Za-z0-9_]*)$/.exec(token);
  if (external?.[1] !== undefined) return data.externalLabels?.[external[1]] ?? '';
  throw new Error(`Unsupported template operand "${token}"`);
}

function call(name: string, arg: Value): string {
  const fn = functions[name];
  if (!fn) throw new Error(`Unsupported template function "${name}"`);
  // Prometheus converts strings to floats for these functions.
  const n = typeof arg === 'number' ? arg : Number(arg);
  if (typeof arg === 'string' && (arg.trim() === '' || Number.isNaN(n))) {
    throw new Error(`${name}: "${arg}" is not a number`);
  }
  return fn(n);
}

/** Evaluates one `{{ ... }}` action: `x`, `fn x`, or `x | fn | fn`. */
function action(body: string, data: TemplateData): string {
  const [head = '', ...pipes] = body.split('|').map((s) => s.trim());
  const [first = '', second, ...extra] = head.split(/\s+/);
  if (extra.length > 0) throw new Error(`Unsupported template action "{{ ${body} }}"`);
  let value: Value = second === undefined ? operand(first, data) : call(first, operand(second, data));
  for (const fn of pipes) value = call(fn, value);
  return typeof value === 'number' ? formatG(value) : value;
}

export function renderTemplate(template: string, data: TemplateData): string {
  return template.replace(/\{\{(.*?)\}\}/g, (_, body: string) => action(body.trim(), data));
}
