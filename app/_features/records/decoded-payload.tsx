import type { DecodedPart, RecordDetail } from '../../../lib/api/records.ts';

// A key or value written in a schema-registry format (Avro, Protobuf, JSON Schema), as the
// collector decoded it, with the schema it used; or why it could not be decoded (the raw bytes
// are shown below it either way). Rendered as text: payloads are untrusted.

const FORMAT_LABEL = { avro: 'Avro', protobuf: 'Protobuf', json: 'JSON Schema' } as const;

function schemaLabel(d: DecodedPart): string {
  const parts: string[] = [d.format ? FORMAT_LABEL[d.format] : 'Schema'];
  if (d.schemaId !== null) parts.push(`schema id ${d.schemaId}`);
  if (d.subject) parts.push(`${d.subject}${d.version !== null ? ` v${d.version}` : ''}`);
  else if (d.origin && d.origin !== 'registry') parts.push(d.origin);
  if (d.typeName) parts.push(d.typeName);
  return parts.join(' · ');
}

function pretty(text: string): string {
  try {
    return JSON.stringify(JSON.parse(text), null, 2);
  } catch {
    return text;
  }
}

function Part({ part, which }: { part: DecodedPart; which: 'key' | 'value' }) {
  return (
    <div data-testid={`decoded-${which}`}>
      <p className="muted">
        {which === 'key' ? 'Key' : 'Value'} · {schemaLabel(part)}
      </p>
      {part.text !== null ? <pre className="payload">{pretty(part.text)}</pre> : null}
      {part.error ? (
        <p role="note" data-testid={`decoded-${which}-error`}>
          {part.text === null ? 'Not decoded: ' : ''}
          {part.error}
        </p>
      ) : null}
    </div>
  );
}

export function DecodedPayload({ record }: { record: RecordDetail }) {
  if (!record.decoded) return null;
  const { key, value } = record.decoded;
  return (
    <>
      {value ? <Part part={value} which="value" /> : null}
      {key ? <Part part={key} which="key" /> : null}
    </>
  );
}
