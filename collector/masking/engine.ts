import { createHmac, randomBytes } from 'node:crypto';
import { regexOf, type Detector, type MaskAction, type MaskRule } from './policy.ts';

// The policy engine: compiles rules once, then per topic keeps the list that applies. It works on
// parsed JSON (a structural walk), on plain text (detectors only) and on JSON it cannot parse (a
// value truncated by MAX_VALUE_BYTES), where a textual pass masks `"name": value` pairs so a cut
// record cannot leak what the whole one would have masked.

export const MASKED = '[masked]';
/** How deep the structural walk goes into a JSON value (see walk). */
export const MAX_MASK_DEPTH = 200;

interface FieldMatcher {
  /** True when the property `name` at `path` (object keys from the root, array indices left out) matches. */
  (name: string, path: readonly string[]): boolean;
  /** Matches on the name alone, so the textual pass can use it. */
  readonly byName: boolean;
}

interface CompiledRule {
  readonly topics: readonly RegExp[] | null;
  readonly fields: readonly FieldMatcher[];
  readonly headers: ReadonlySet<string>;
  readonly detect: readonly Detector[];
  readonly action: MaskAction;
}

const globRe = (glob: string) =>
  new RegExp(
    `^${glob
      .split('*')
      .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );

function fieldMatcher(pattern: string): FieldMatcher {
  const re = regexOf(pattern);
  if (re) return Object.assign((name: string) => re.test(name), { byName: true });
  if (!pattern.includes('.') && !pattern.includes('*')) {
    const lower = pattern.toLowerCase();
    return Object.assign((name: string) => name.toLowerCase() === lower, { byName: true });
  }
  const segs = pattern.split('.');
  const match = (path: readonly string[], i: number, j: number): boolean => {
    if (i === segs.length) return j === path.length;
    if (segs[i] === '**') return match(path, i + 1, j) || (j < path.length && match(path, i, j + 1));
    return j < path.length && (segs[i] === '*' || segs[i] === path[j]) && match(path, i + 1, j + 1);
  };
  return Object.assign((_name: string, path: readonly string[]) => match(path, 0, 0), { byName: false });
}

function compile(rule: MaskRule): CompiledRule {
  return {
    topics: rule.topics ? rule.topics.map(globRe) : null,
    fields: rule.fields.map(fieldMatcher),
    headers: new Set(rule.headers.map((h) => h.toLowerCase())),
    detect: rule.detect,
    action: rule.action,
  };
}

// Card numbers: 13 – 19 digits, optionally grouped by spaces or dashes, not part of a longer
// run of letters or digits (hex ids), and Luhn-valid, which keeps order numbers and timestamps out.
const CARD_CANDIDATE = /(?<![\p{L}\p{N}])\d(?:[ -]?\d){12,18}(?![\p{L}\p{N}])/gu;
// Bounded parts and a start-of-run lookbehind keep this linear on a long run of letters (a
// 256 KB value of one word would otherwise be tried from every position).
const EMAIL =
  /(?<![\p{L}\p{N}._%+-])[\p{L}\p{N}._%+-]{1,64}@[\p{L}\p{N}-]{1,63}(?:\.[\p{L}\p{N}-]{1,63}){0,8}\.\p{L}{2,24}(?![\p{L}\p{N}])/gu;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = digits.charCodeAt(digits.length - 1 - i) - 48;
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

/** Headers that are protocol structure (hex ids), never payload. */
const STRUCTURAL_HEADERS = new Set(['traceparent', 'tracestate', 'ce_id', 'ce_specversion']);

export interface MaskerOptions {
  readonly rules: readonly MaskRule[];
  /** HMAC key for `hash`; random per process when not given (hashes then differ across restarts). */
  readonly hashKey?: string;
}

export interface JsonMaskResult {
  readonly value: unknown;
  /** Paths (dotted, `[]` for array items) whose value was masked, hashed or dropped. */
  readonly masked: readonly string[];
}

export function createMasker(options: MaskerOptions) {
  const rules = options.rules.map(compile);
  const key = options.hashKey ?? randomBytes(32).toString('hex');
  const perTopic = new Map<string, readonly CompiledRule[]>();

  const rulesOf = (topic: string): readonly CompiledRule[] => {
    let list = perTopic.get(topic);
    if (!list) {
      list = rules.filter((r) => !r.topics || r.topics.some((t) => t.test(topic)));
      if (perTopic.size > 10_000) perTopic.clear();
      perTopic.set(topic, list);
    }
    return list;
  };
  const hash = (v: unknown) =>
    `hash:${createHmac('sha256', key)
      .update(typeof v === 'string' ? v : JSON.stringify(v))
      .digest('hex')
      .slice(0, 16)}`;
  const replacement = (action: MaskAction, v: unknown) => (action === 'hash' ? hash(v) : MASKED);

  /** Detectors of the topic over free text; returns the text unchanged when nothing matched. */
  function detectText(list: readonly CompiledRule[], text: string): string {
    let out = text;
    for (const r of list) {
      for (const d of r.detect) {
        if (d === 'card-number')
          out = out.replace(CARD_CANDIDATE, (m) => {
            const digits = m.replace(/[ -]/g, '');
            return luhn(digits) ? replacement(r.action === 'drop' ? 'mask' : r.action, digits) : m;
          });
        else out = out.replace(EMAIL, (m) => replacement(r.action === 'drop' ? 'mask' : r.action, m));
      }
    }
    return out;
  }

  const fieldRule = (list: readonly CompiledRule[], name: string, path: readonly string[]) =>
    list.find((r) => r.fields.some((f) => f(name, path)));

  function walk(
    list: readonly CompiledRule[],
    v: unknown,
    path: string[],
    shown: string,
    out: string[],
    depth = 0,
  ): unknown {
    // A hostile value can nest tens of thousands deep; past the bound nothing below is shown
    // (failing closed: an unread subtree could hold what a rule hides) and the stack stays small.
    if (depth > MAX_MASK_DEPTH && v !== null && typeof v === 'object') {
      out.push(shown || '(value)');
      return `[not shown: nested deeper than ${MAX_MASK_DEPTH} levels]`;
    }
    if (typeof v === 'string') {
      const t = detectText(list, v);
      if (t !== v) out.push(shown || '(value)');
      return t;
    }
    if (Array.isArray(v)) return v.map((item) => walk(list, item, path, `${shown}[]`, out, depth + 1));
    if (v === null || typeof v !== 'object') return v;
    const res: Record<string, unknown> = {};
    for (const [k, child] of Object.entries(v)) {
      const childPath = [...path, k];
      const childShown = shown ? `${shown}.${k}` : k;
      const rule = fieldRule(list, k, childPath);
      if (rule) {
        out.push(childShown);
        if (rule.action !== 'drop') res[k] = replacement(rule.action, child);
        continue;
      }
      res[k] = walk(list, child, childPath, childShown, out, depth + 1);
    }
    return res;
  }

  // `"name": value` in JSON text, the value possibly cut off at the end of a truncated document.
  const PAIR = /"((?:[^"\\]|\\.)*)"(\s*:\s*)("(?:[^"\\]|\\.)*(?:"|$)|-?[\d.eE+-]+|true|false|null)/g;

  return {
    /** True when some rule applies to the topic (callers skip work otherwise). */
    applies: (topic: string) => rulesOf(topic).length > 0,
    json(topic: string, value: unknown): JsonMaskResult {
      const list = rulesOf(topic);
      if (!list.length) return { value, masked: [] };
      const masked: string[] = [];
      return { value: walk(list, value, [], '', masked), masked: [...new Set(masked)] };
    },
    /** JSON text that does not parse: mask name-matched pairs textually, then run the detectors. */
    jsonText(topic: string, text: string): { text: string; masked: boolean } {
      const list = rulesOf(topic);
      const byName = list.filter((r) => r.fields.some((f) => f.byName));
      const paired = text.replace(PAIR, (whole, name: string, sep: string, val: string) => {
        const rule = byName.find((r) => r.fields.some((f) => f.byName && f(name, [name])));
        if (!rule) return whole;
        return `"${name}"${sep}${JSON.stringify(replacement(rule.action === 'drop' ? 'mask' : rule.action, val))}`;
      });
      const out = detectText(list, paired);
      return { text: out, masked: out !== text };
    },
    text(topic: string, text: string): string {
      return detectText(rulesOf(topic), text);
    },
    /** A header value as a viewer sees it; null when a rule drops it. */
    header(topic: string, headerKey: string, value: string): string | null {
      const list = rulesOf(topic);
      const k = headerKey.toLowerCase();
      const rule = list.find((r) => r.headers.has(k));
      if (rule) return rule.action === 'drop' ? null : replacement(rule.action, value);
      return STRUCTURAL_HEADERS.has(k) ? value : detectText(list, value);
    },
  };
}
export type Masker = ReturnType<typeof createMasker>;
