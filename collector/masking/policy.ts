import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ConfigError } from '../../lib/config.ts';

// The masking policy: which parts of a payload a viewer never sees. Rules name JSON fields (by
// name anywhere, by dotted path from the root with `*` / `**`, or by a /regex/ on the name), header
// keys, and detectors that find card numbers and e-mail addresses inside any text. Each rule masks,
// hashes (keyed HMAC: equal values stay comparable, the value is not recoverable) or drops. Rules
// apply to every topic, or to the topics their globs name.

export const MASK_ACTIONS = ['mask', 'hash', 'drop'] as const;
export const DETECTORS = ['card-number', 'email'] as const;
export type MaskAction = (typeof MASK_ACTIONS)[number];
export type Detector = (typeof DETECTORS)[number];

const regexSource = /^\/(.+)\/([a-z]*)$/;

/** `/source/flags` → RegExp, or undefined when the text is not written as a regex. */
export function regexOf(pattern: string): RegExp | undefined {
  const m = regexSource.exec(pattern);
  return m ? new RegExp(m[1]!, m[2]!.replace('g', '')) : undefined;
}

const fieldPattern = z
  .string()
  .min(1)
  .max(256)
  .superRefine((p, ctx) => {
    if (regexSource.test(p)) {
      try {
        regexOf(p);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: `not a valid regex: ${(err as Error).message}` });
      }
    } else if (p.split('.').some((s) => s === '')) {
      ctx.addIssue({ code: 'custom', message: 'a path has no empty segments (write a.b.c, * or **)' });
    }
  });

export const maskRuleSchema = z
  .object({
    name: z.string().max(100).optional(),
    /** Topic globs (`*` matches anything); absent: every topic. */
    topics: z.array(z.string().min(1).max(249)).min(1).max(100).optional(),
    fields: z.array(fieldPattern).max(100).default([]),
    headers: z.array(z.string().min(1).max(256)).max(100).default([]),
    detect: z.array(z.enum(DETECTORS)).default([]),
    action: z.enum(MASK_ACTIONS).default('mask'),
  })
  .strict()
  .refine((r) => r.fields.length + r.headers.length + r.detect.length > 0, {
    message: 'a rule needs at least one of fields, headers or detect',
  });
export type MaskRule = z.infer<typeof maskRuleSchema>;

export const maskingPolicySchema = z
  .object({
    /** Keep the built-in rules (card and e-mail fields, card numbers and e-mails in text). */
    defaults: z.boolean().default(true),
    rules: z.array(maskRuleSchema).max(200).default([]),
  })
  .strict();
export type MaskingPolicy = z.infer<typeof maskingPolicySchema>;

/**
 * Built in. The shop's own events carry only an opaque payment-method token, but the topics a
 * collector reads are anyone's: card fields and e-mail fields by their usual names, and card
 * numbers (Luhn-valid) and e-mail addresses wherever they appear in text.
 */
export const DEFAULT_RULES: readonly MaskRule[] = [
  {
    name: 'payment card fields',
    fields: [
      '/^(card[-_]?(number|num|no|pan)|pan|primary[-_]?account[-_]?number|cvv2?|cvc2?|card[-_]?(cvv|cvc|security[-_]?code|expiry|exp)|security[-_]?code|expiry[-_]?date)$/i',
    ],
    headers: [],
    detect: [],
    action: 'mask',
  },
  {
    name: 'e-mail fields',
    fields: ['/^(e[-_]?mail|e[-_]?mail[-_]?address|customer[-_]?email|contact[-_]?email)$/i'],
    headers: [],
    detect: [],
    action: 'mask',
  },
  {
    name: 'card numbers and e-mails in text',
    fields: [],
    headers: [],
    detect: ['card-number', 'email'],
    action: 'mask',
  },
];

/** Parses a policy document; a ConfigError names each problem and where it is. */
export function parseMaskingPolicy(doc: unknown, source = 'masking policy'): MaskingPolicy {
  const parsed = maskingPolicySchema.safeParse(doc);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(file)'}: ${i.message}`);
    throw new ConfigError(`Invalid ${source} (MASKING_POLICY_FILE):\n${lines.join('\n')}`);
  }
  return parsed.data;
}

/** The rules in force: MASKING_POLICY_FILE's, after the built-in ones unless it says `defaults: false`. */
export function loadMaskingRules(file: string | undefined): readonly MaskRule[] {
  if (!file) return DEFAULT_RULES;
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`Cannot read MASKING_POLICY_FILE ${file}: ${(err as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`MASKING_POLICY_FILE ${file} is not valid JSON: ${(err as Error).message}`);
  }
  const policy = parseMaskingPolicy(doc, file);
  return policy.defaults ? [...DEFAULT_RULES, ...policy.rules] : policy.rules;
}
