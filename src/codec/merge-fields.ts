// Merging on the bytes. Protobuf says a non-repeated message field that arrives
// more than once is the merge of its parts (two serialized messages
// concatenated are their merge), but the generated ts-proto decoders keep only
// the last part. This rewrites such bytes so that each of those fields appears
// once with its parts concatenated, at every depth, and the generated decoder
// then reads what a conformant runtime reads. In a oneof, a member that
// arrives ends what its rivals gathered, as a conformant parser clears them: a
// rival that comes back starts afresh (the decoder keeps the last member).
import { concatBytes, varintBytes } from "./byte-parts.js";
import type { WireSchema } from "./wire-check.js";

/** One non-repeated message field: its tag as read, and the payloads of its parts in order. */
interface MergedField {
  readonly tag: Uint8Array;
  readonly message: string | undefined;
  readonly payloads: Uint8Array[];
}

/**
 * Rewrites `bytes`, a `typeName` message that passed checkWire, so that no
 * non-repeated message field occurs twice. Everything else, unknown fields
 * included, is kept in its place.
 */
export function mergeMessageFields(bytes: Uint8Array, schema: WireSchema, typeName: string): Uint8Array {
  const fields = schema[typeName] ?? {};
  const reader = new FieldReader(bytes);
  const parts: (Uint8Array | MergedField)[] = [];
  const gathering = new Map<number, MergedField>();
  while (!reader.done) {
    const fieldStart = reader.pos;
    const tag = reader.varint();
    const field = fields[tag >>> 3];
    // Anything but a message field as the schema has it is copied as it stands; a known
    // field number with another wire type too, which the decoder keeps as an unknown field.
    if (field?.kind !== "message" || (tag & 7) !== 2) {
      reader.skip(tag & 7);
      parts.push(bytes.subarray(fieldStart, reader.pos));
      continue;
    }
    const tagBytes = bytes.subarray(fieldStart, reader.pos);
    const payload = reader.lengthDelimited();
    if (field.repeated) {
      parts.push(tagBytes, withPrefix(inner(payload, field.message)));
      continue;
    }
    const fieldNumber = tag >>> 3;
    for (const rival of rivalsOf(fieldNumber)) gathering.delete(rival);
    const gathered = gathering.get(fieldNumber);
    if (gathered) {
      gathered.payloads.push(payload);
      continue;
    }
    const started: MergedField = { tag: tagBytes, message: field.message, payloads: [payload] };
    gathering.set(fieldNumber, started);
    parts.push(started);
  }
  return concatBytes(
    parts.flatMap((part) => (part instanceof Uint8Array ? [part] : [part.tag, withPrefix(inner(concatBytes(part.payloads), part.message))])),
  );

  // The other members of the oneof `fieldNumber` is a member of.
  function rivalsOf(fieldNumber: number): number[] {
    const oneof = fields[fieldNumber]?.oneof;
    if (oneof === undefined) return [];
    return Object.entries(fields)
      .filter(([number, field]) => field.oneof === oneof && Number(number) !== fieldNumber)
      .map(([number]) => Number(number));
  }

  function inner(payload: Uint8Array, message: string | undefined): Uint8Array {
    return message === undefined ? payload : mergeMessageFields(payload, schema, message);
  }
}

// Reads fields of bytes checkWire accepted, so it never checks bounds.
class FieldReader {
  pos = 0;

  constructor(private readonly bytes: Uint8Array) {}

  get done(): boolean {
    return this.pos >= this.bytes.length;
  }

  /** A varint of at most 53 bits: tags and lengths. */
  varint(): number {
    let value = 0;
    for (let scale = 1; ; scale *= 128) {
      const byte = this.bytes[this.pos++]!;
      value += (byte & 0x7f) * scale;
      if (byte < 0x80) return value;
    }
  }

  lengthDelimited(): Uint8Array {
    const length = this.varint();
    this.pos += length;
    return this.bytes.subarray(this.pos - length, this.pos);
  }

  skip(wireType: number): void {
    if (wireType === 0) while (this.bytes[this.pos++]! >= 0x80);
    else if (wireType === 1) this.pos += 8;
    else if (wireType === 5) this.pos += 4;
    else if (wireType === 2) this.lengthDelimited();
    else if (wireType === 3) {
      // A group (only ever an unknown field): up to its end tag, nested groups included.
      for (let tag = this.varint(); (tag & 7) !== 4; tag = this.varint()) this.skip(tag & 7);
    }
  }
}

function withPrefix(payload: Uint8Array): Uint8Array {
  return concatBytes([varintBytes(payload.length), payload]);
}
