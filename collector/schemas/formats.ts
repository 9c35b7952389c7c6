import { Ajv, type ValidateFunction } from 'ajv';
import avro from 'avsc';
import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor.js';
import { readMessageIndexes } from './wire.ts';

// Compiles a schema once into a decoder for its payloads: Avro binary (avsc), Protobuf (protobufjs;
// the message chosen by Confluent's message-index list) and JSON Schema (the payload is JSON;
// ajv says whether it conforms). Decoders return plain JSON values (bytes as base64, 64-bit
// integers as strings when they do not fit a double) so everything downstream treats them like
// any JSON payload.

export type SchemaFormat = 'avro' | 'protobuf' | 'json';

export interface SchemaSource {
  readonly format: SchemaFormat;
  /** The schema text: Avro JSON, .proto source, JSON Schema. */
  readonly text: string;
  /** Schemas it imports or names: .proto files by import name, Avro named types. */
  readonly references?: readonly { readonly name: string; readonly text: string }[];
  /** Local .proto files: the message to use when the record names none (no message indexes). */
  readonly messageName?: string;
  /**
   * A compiled FileDescriptorSet (`protoc --descriptor_set_out --include_imports`) instead of .proto
   * text; message indexes count the messages of its last file (the one protoc was asked for).
   */
  readonly descriptorSet?: Buffer;
}

export interface Decoded {
  readonly value: unknown;
  /** The Protobuf message or Avro record name the payload was read as. */
  readonly typeName: string | null;
  /** JSON Schema: where the payload does not conform (it is still shown). */
  readonly violations: readonly string[];
}

export type PayloadDecoder = (rest: Buffer, framed: boolean) => Decoded;

/** Bytes → base64; Long / bigint → number when exact, else string; class instances → plain objects. */
export function toJsonSafe(v: unknown): unknown {
  if (v === null || v === undefined) return v ?? null;
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (typeof v === 'bigint') return Number.isSafeInteger(Number(v)) ? Number(v) : v.toString();
  if (typeof v === 'number') return Number.isFinite(v) ? v : String(v);
  if (Array.isArray(v)) return v.map(toJsonSafe);
  if (typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJsonSafe(x);
    return out;
  }
  return v;
}

// Avro longs are 64-bit; avsc's default refuses values past 2^53 rather than round them. Read
// them as bigint (toJsonSafe turns them into numbers when exact, strings otherwise).
const exactLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(BigInt(n));
    return buf;
  },
  fromJSON: (v: unknown) => BigInt(v as string),
  toJSON: (n: bigint) => Number(n),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a < b ? -1 : a > b ? 1 : 0),
});

function avroDecoder(src: SchemaSource): PayloadDecoder {
  const registry: Record<string, avro.Type> = { long: exactLong };
  // Referenced named types first, so the main schema can use them by name.
  for (const r of src.references ?? []) avro.Type.forSchema(JSON.parse(r.text) as avro.Schema, { registry });
  const type = avro.Type.forSchema(JSON.parse(src.text) as avro.Schema, { registry });
  return (rest) => {
    // fromBuffer refuses trailing bytes, which is the check we want: a wrong schema rarely fits exactly.
    const value = type.fromBuffer(rest) as unknown;
    return { value: toJsonSafe(value), typeName: type.name ?? type.typeName, violations: [] };
  };
}

/** The file's top-level message types in declaration order (what message index 0, 1… name). */
function messagesOf(ns: protobuf.NamespaceBase): protobuf.Type[] {
  return ns.nestedArray.filter((x): x is protobuf.Type => x instanceof protobuf.Type);
}

interface FileDescriptorLike {
  readonly package?: string;
  readonly messageType?: readonly { readonly name?: string }[];
}

/** A root from a descriptor set, and its last file's top-level messages in declaration order. */
function descriptorRoot(set: Buffer): { root: protobuf.Root; topLevel: protobuf.Type[] } {
  const decoded = descriptor.FileDescriptorSet.decode(set) as unknown as { file?: FileDescriptorLike[] };
  const last = decoded.file?.at(-1);
  if (!last) throw new Error('the descriptor set holds no file');
  const root = protobuf.Root.fromDescriptor(set, { keepCase: true });
  root.resolveAll();
  const prefix = last.package ? `${last.package}.` : '';
  const topLevel = (last.messageType ?? []).map((m) => root.lookupType(`${prefix}${m.name ?? ''}`));
  return { root, topLevel };
}

function protobufDecoder(src: SchemaSource): PayloadDecoder {
  if (src.descriptorSet) {
    const { root, topLevel } = descriptorRoot(src.descriptorSet);
    return protobufMessages(root, topLevel, src.messageName);
  }
  const root = new protobuf.Root();
  const main = protobuf.parse(src.text, root, { keepCase: true });
  const pkg = main.package ? root.lookup(main.package) : root;
  if (!(pkg instanceof protobuf.Namespace) && !(pkg instanceof protobuf.Root))
    throw new Error(`package ${main.package ?? ''} not found`);
  const topLevel = messagesOf(pkg);
  for (const r of src.references ?? []) {
    const common = protobuf.common.get(r.name);
    if (common) root.addJSON(common.nested ?? {});
    else protobuf.parse(r.text, root, { keepCase: true });
  }
  for (const imp of main.imports ?? []) {
    const common = protobuf.common.get(imp);
    if (common && !(src.references ?? []).some((r) => r.name === imp)) root.addJSON(common.nested ?? {});
  }
  root.resolveAll();
  return protobufMessages(root, topLevel, src.messageName);
}

function protobufMessages(
  root: protobuf.Root,
  topLevel: protobuf.Type[],
  messageName: string | undefined,
): PayloadDecoder {
  const byName = messageName ? root.lookupType(messageName) : undefined;
  return (rest, framed) => {
    let type: protobuf.Type | undefined = byName;
    let payload = rest;
    if (framed) {
      const idx = readMessageIndexes(rest);
      payload = idx.payload;
      let level: protobuf.Type[] = topLevel;
      for (const i of idx.indexes) {
        type = level[i];
        if (!type) throw new Error(`message index ${idx.indexes.join('.')} names no message of the schema`);
        level = messagesOf(type);
      }
    }
    if (!type) throw new Error('the schema has several messages and the record names none (set "message")');
    const msg = type.decode(payload);
    const value = type.toObject(msg, {
      longs: String,
      enums: String,
      bytes: String,
      defaults: true,
      oneofs: true,
    });
    return { value: toJsonSafe(value), typeName: type.fullName.replace(/^\./, ''), violations: [] };
  };
}

const ajv = new Ajv({ allErrors: false, strict: false, validateFormats: false });

function jsonSchemaDecoder(src: SchemaSource): PayloadDecoder {
  let validate: ValidateFunction;
  try {
    const schema = JSON.parse(src.text) as object;
    // Each compile gets its own $id scope: registries reuse $id across versions.
    const { $id: _ignored, ...rest } = schema as { $id?: string };
    validate = ajv.compile(rest);
  } catch (err) {
    throw new Error(`JSON Schema does not compile: ${(err as Error).message}`, { cause: err });
  }
  return (rest) => {
    const value = JSON.parse(rest.toString('utf8')) as unknown;
    const ok = validate(value);
    const violations = ok
      ? []
      : (validate.errors ?? [])
          .slice(0, 5)
          .map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'invalid'}`);
    return { value, typeName: null, violations };
  };
}

export function compileDecoder(src: SchemaSource): PayloadDecoder {
  switch (src.format) {
    case 'avro':
      return avroDecoder(src);
    case 'protobuf':
      return protobufDecoder(src);
    case 'json':
      return jsonSchemaDecoder(src);
  }
}
