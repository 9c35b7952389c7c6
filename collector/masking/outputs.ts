import type { Chain } from '../../lib/api/chains.ts';
import type { DlqEntry } from '../../lib/api/dlq.ts';
import type { DecodedPart, RecordDetail, RecordSummary } from '../../lib/api/records.ts';
import type { SagaDetail } from '../../lib/api/sagas.ts';
import type { StoredRecord } from '../store/types.ts';
import type { Masker } from './engine.ts';

// The one boundary every payload crosses on its way out of the store: REST bodies, live-tail
// frames, exports and search results all go through these functions, built on one Masker. An
// operator's audited unmask is the only path around them (collector/api/routes/records.ts).

/** Fields a topic-less text (a saga's reason) is checked with: the rules that apply everywhere. */
const NO_TOPIC = '';

const mapText = (m: Masker, topic: string, s: string | null) => (s === null ? null : m.text(topic, s));

export function createOutputMasking(masker: Masker) {
  const summary = <T extends RecordSummary>(r: T): T =>
    r.key === null || r.keyEncoding !== 'utf8' ? r : { ...r, key: masker.text(r.topic, r.key) };

  function value(r: RecordDetail): { valueText: string | null; masked: string[] } {
    if (r.valueText === null) return { valueText: null, masked: [] };
    if (r.valueKind === 'json') {
      let parsed: unknown;
      try {
        parsed = JSON.parse(r.valueText) as unknown;
      } catch {
        // Truncated or not quite JSON: the textual pass.
        const t = masker.jsonText(r.topic, r.valueText);
        return { valueText: t.text, masked: t.masked ? ['(text)'] : [] };
      }
      const out = masker.json(r.topic, parsed);
      return {
        valueText: out.masked.length ? JSON.stringify(out.value) : r.valueText,
        masked: [...out.masked],
      };
    }
    const text = masker.text(r.topic, r.valueText);
    return { valueText: text, masked: text !== r.valueText ? ['(text)'] : [] };
  }

  function decodedPart(
    topic: string,
    part: string,
    d: DecodedPart | null,
    masked: string[],
  ): DecodedPart | null {
    if (!d?.text) return d;
    let parsed: unknown;
    try {
      parsed = JSON.parse(d.text) as unknown;
    } catch {
      return { ...d, text: masker.text(topic, d.text) };
    }
    const out = masker.json(topic, parsed);
    masked.push(...out.masked.map((p) => (part === 'value' ? p : `key ${p}`)));
    return { ...d, text: out.masked.length ? JSON.stringify(out.value) : d.text };
  }

  return {
    summary,
    detail(r: RecordDetail): RecordDetail {
      const v = value(r);
      const masked = [...v.masked];
      const headers: RecordDetail['headers'] = [];
      for (const h of r.headers) {
        if (h.encoding !== 'utf8') {
          headers.push(h);
          continue;
        }
        const shown = masker.header(r.topic, h.key, h.value);
        if (shown !== h.value) masked.push(`header ${h.key}`);
        if (shown !== null) headers.push({ ...h, value: shown, size: Buffer.byteLength(shown, 'utf8') });
      }
      const decoded = r.decoded && {
        key: decodedPart(r.topic, 'key', r.decoded.key, masked),
        value: decodedPart(r.topic, 'value', r.decoded.value, masked),
      };
      // The raw bytes of a decoded value hold the same fields in the clear (Avro and Protobuf
      // strings are plain UTF-8): when a policy applies they are withheld, the decoded view is shown.
      const withhold = r.decoded?.value?.text != null && masker.applies(r.topic);
      if (withhold) masked.push('(raw bytes of the decoded value)');
      return {
        ...summary(r),
        headers,
        valueText: withhold ? null : v.valueText,
        valueBase64: withhold ? null : r.valueBase64,
        ...(decoded && { decoded }),
        problems: r.problems,
        dlq: r.dlq && {
          ...r.dlq,
          ...(r.dlq.errorMessage !== undefined && { errorMessage: masker.text(r.topic, r.dlq.errorMessage) }),
          ...(r.dlq.errorStack !== undefined && { errorStack: masker.text(r.topic, r.dlq.errorStack) }),
        },
        masked,
      };
    },
    dlqEntry<T extends DlqEntry & { errorStack?: string | null }>(e: T): T {
      return {
        ...e,
        key: mapText(masker, e.dlqTopic, e.key),
        errorMessage: mapText(masker, e.dlqTopic, e.errorMessage),
        ...(e.errorStack !== undefined && { errorStack: mapText(masker, e.dlqTopic, e.errorStack) }),
      };
    },
    chain(c: Chain): Chain {
      return {
        ...c,
        records: c.records.map(summary),
        spans: c.spans.map((s) => ({
          ...s,
          attributes: Object.fromEntries(
            Object.entries(s.attributes).map(([k, v]) => [
              k,
              typeof v === 'string' ? masker.text(NO_TOPIC, v) : v,
            ]),
          ),
        })),
      };
    },
    /** A saga's reasons are copied from payloads (a decline reason, an error). */
    sagaDetail: (s: SagaDetail): SagaDetail => ({
      ...s,
      reason: mapText(masker, NO_TOPIC, s.reason),
      history: s.history.map((h) => ({ ...h, reason: mapText(masker, NO_TOPIC, h.reason) })),
    }),
    /**
     * Whether a search hit may be shown to a viewer: every word of `q` must still occur in what the
     * viewer would see of the record. A hit found only through a masked value is dropped, so a
     * search for a card number cannot tell a viewer which record holds it.
     */
    stillMatches(r: StoredRecord, q: string, view: (r: StoredRecord) => RecordDetail): boolean {
      const d = this.detail(view(r));
      const text = [
        d.key ?? '',
        ...d.headers.map((h) => (h.encoding === 'utf8' ? h.value : '')),
        d.valueText ?? '',
        d.decoded?.key?.text ?? '',
        d.decoded?.value?.text ?? '',
      ]
        .join('\n')
        .slice(0, 32_768);
      const words = new Set(tokens(text));
      const wordList = [...words];
      for (const m of q.matchAll(QUERY_WORD)) {
        const w = fold(m[1]!);
        const ok = m[2] === '*' ? wordList.some((x) => x.startsWith(w)) : words.has(w);
        if (!ok) return false;
      }
      return true;
    },
    /** True when a filter value (an exact key) is something a viewer may not probe for. */
    isSensitive(topic: string, s: string): boolean {
      return masker.text(topic ?? NO_TOPIC, s) !== s;
    },
  };
}
export type OutputMasking = ReturnType<typeof createOutputMasking>;

// Words as the store's full-text index cuts them (collector/store/sqlite/text-search.ts): runs of
// letters and digits, case- and accent-folded.
const QUERY_WORD = /([\p{L}\p{N}\p{Co}]+)(\*?)/gu;
const fold = (s: string) => s.normalize('NFKD').replace(/\p{M}/gu, '').toLowerCase();
const tokens = (s: string) =>
  fold(s)
    .split(/[^\p{L}\p{N}\p{Co}]+/u)
    .filter(Boolean);
