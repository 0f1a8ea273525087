// A strict structural check of protobuf bytes against a schema table, run
// before the generated decoder. The generated decoders are lenient where the
// spec demands a typed rejection: they stop silently at field number 0 or a
// stray group end, and replace invalid UTF-8. This walk rejects all of it,
// with the offset of the first bad byte.
import { decodeUtf8Strict } from "../wire/utf8.js";
import { concatBytes, varintBytes } from "./byte-parts.js";
import { DecodeError } from "./errors.js";

export type WireKind = "varint" | "fixed64" | "fixed32" | "string" | "bytes" | "message";

export interface WireField {
  readonly name: string;
  readonly kind: WireKind;
  readonly message?: string;
  readonly repeated?: boolean;
  /** The oneof the field is a member of, if any. */
  readonly oneof?: string;
}

/** Messages by full name, each with its fields by number. */
export type WireSchema = Readonly<Record<string, Readonly<Record<number, WireField>>>>;

/** Deeper nesting than this is rejected (the schema itself nests 4 levels). */
export const MAX_NESTING_DEPTH = 64;

const WIRE_TYPE_FOR_KIND: Record<WireKind, number> = {
  varint: 0,
  fixed64: 1,
  fixed32: 5,
  string: 2,
  bytes: 2,
  message: 2,
};

/** What the check noticed in well-formed bytes that some runtimes get wrong. */
export interface WireCheckResult {
  /**
   * A known field number arrived with another wire type. It is an unknown field
   * (as in the C++ and Go runtimes); @bufbuild/protobuf would misread it.
   */
  readonly wireTypeMismatch: boolean;
  /**
   * A non-repeated message field (or oneof member) arrived more than once: its
   * parts must be merged, which ts-proto's generated decoders do not do.
   */
  readonly repeatedMessageField: boolean;
}

/** Throws DecodeError unless `bytes` is a well-formed encoding of `typeName`. */
export function checkWire(bytes: Uint8Array, schema: WireSchema, typeName: string): WireCheckResult {
  const walker = new WireWalker(bytes, schema);
  walker.message(typeName, 0, bytes.length, 0);
  return { wireTypeMismatch: walker.wireTypeMismatch, repeatedMessageField: walker.repeatedMessageField };
}

/**
 * A copy of well-formed `bytes` (checked by `checkWire`) without the fields
 * whose number is known but whose wire type is not the schema's, at every
 * level. They are unknown fields, so the message they encode is unchanged
 * apart from its unknown fields; runtimes that misread them can then decode it.
 */
export function dropMismatchedFields(bytes: Uint8Array, schema: WireSchema, typeName: string): Uint8Array {
  return new WireWalker(bytes, schema).withoutMismatches(typeName, 0, bytes.length);
}

class WireWalker {
  private pos = 0;
  wireTypeMismatch = false;
  repeatedMessageField = false;

  constructor(
    private readonly bytes: Uint8Array,
    private readonly schema: WireSchema,
  ) {}

  message(typeName: string | undefined, start: number, end: number, depth: number): void {
    if (depth > MAX_NESTING_DEPTH) {
      throw new DecodeError("too-deep", `messages nested deeper than ${MAX_NESTING_DEPTH}`, start);
    }
    const fields = typeName === undefined ? undefined : this.schema[typeName];
    let singularMessagesSeen: Set<number> | undefined;
    this.pos = start;
    while (this.pos < end) {
      const tagOffset = this.pos;
      const tag = this.varint32(end, "tag");
      const fieldNumber = tag >>> 3;
      const wireType = tag & 7;
      if (fieldNumber === 0) throw new DecodeError("bad-field-number", "field number 0", tagOffset);
      const field = fields?.[fieldNumber];
      // A known field with another wire type is an unknown field, as in protoc's C++ runtime.
      const known = field !== undefined && WIRE_TYPE_FOR_KIND[field.kind] === wireType ? field : undefined;
      if (field !== undefined && known === undefined) this.wireTypeMismatch = true;
      if (known?.kind === "message" && !known.repeated) {
        singularMessagesSeen ??= new Set();
        if (singularMessagesSeen.has(fieldNumber)) this.repeatedMessageField = true;
        singularMessagesSeen.add(fieldNumber);
      }
      this.value(wireType, tagOffset, fieldNumber, end, depth, known);
    }
  }

  // Only called on bytes checkWire accepted.
  withoutMismatches(typeName: string | undefined, start: number, end: number): Uint8Array {
    const fields = typeName === undefined ? undefined : this.schema[typeName];
    const parts: Uint8Array[] = [];
    this.pos = start;
    while (this.pos < end) {
      const fieldStart = this.pos;
      const tag = this.varint32(end, "tag");
      const fieldNumber = tag >>> 3;
      const wireType = tag & 7;
      const field = fields?.[fieldNumber];
      if (field !== undefined && WIRE_TYPE_FOR_KIND[field.kind] !== wireType) {
        this.value(wireType, fieldStart, fieldNumber, end, 0, undefined);
        continue;
      }
      if (field?.kind === "message") {
        const tagEnd = this.pos;
        const length = this.varint32(end, "length");
        const valueEnd = this.pos + length;
        const inner = this.withoutMismatches(field.message, this.pos, valueEnd);
        this.pos = valueEnd;
        parts.push(this.bytes.subarray(fieldStart, tagEnd), varintBytes(inner.length), inner);
        continue;
      }
      this.value(wireType, fieldStart, fieldNumber, end, 0, undefined);
      parts.push(this.bytes.subarray(fieldStart, this.pos));
    }
    return concatBytes(parts);
  }

  private value(
    wireType: number,
    tagOffset: number,
    fieldNumber: number,
    end: number,
    depth: number,
    field: WireField | undefined,
  ): void {
    switch (wireType) {
      case 0:
        this.skipVarint64(end);
        return;
      case 1:
        this.skipFixed(8, end);
        return;
      case 5:
        this.skipFixed(4, end);
        return;
      case 2: {
        const lengthOffset = this.pos;
        const length = this.varint32(end, "length");
        const valueEnd = this.pos + length;
        if (length > 0x7fffffff || valueEnd > end) {
          throw new DecodeError(
            "length-out-of-range",
            `length ${length} of field ${fieldNumber} runs past the end of its message`,
            lengthOffset,
          );
        }
        if (field?.kind === "string") {
          try {
            decodeUtf8Strict(this.bytes.subarray(this.pos, valueEnd));
          } catch (cause) {
            throw new DecodeError("invalid-utf8", `field ${field.name} is not valid UTF-8`, this.pos, { cause });
          }
        } else if (field?.kind === "message") {
          this.message(field.message, this.pos, valueEnd, depth + 1);
        }
        this.pos = valueEnd;
        return;
      }
      case 3:
        this.skipGroup(fieldNumber, end, depth + 1, tagOffset);
        return;
      case 4:
        throw new DecodeError("bad-wire-type", `group end for field ${fieldNumber} without its start`, tagOffset);
      default:
        throw new DecodeError("bad-wire-type", `wire type ${wireType} does not exist`, tagOffset);
    }
  }

  // Groups never appear in presence.v1, but a conformant parser skips them in unknown fields.
  private skipGroup(fieldNumber: number, end: number, depth: number, startOffset: number): void {
    if (depth > MAX_NESTING_DEPTH) {
      throw new DecodeError("too-deep", `groups nested deeper than ${MAX_NESTING_DEPTH}`, startOffset);
    }
    while (this.pos < end) {
      const tagOffset = this.pos;
      const tag = this.varint32(end, "tag");
      const innerField = tag >>> 3;
      const wireType = tag & 7;
      if (innerField === 0) throw new DecodeError("bad-field-number", "field number 0", tagOffset);
      if (wireType === 4) {
        if (innerField !== fieldNumber) {
          throw new DecodeError("bad-wire-type", `group ${fieldNumber} closed by field ${innerField}`, tagOffset);
        }
        return;
      }
      this.value(wireType, tagOffset, innerField, end, depth, undefined);
    }
    throw new DecodeError("truncated", `group ${fieldNumber} has no end`, startOffset);
  }

  // Tags and lengths: at most 5 bytes and at most 2^32 - 1.
  private varint32(end: number, what: string): number {
    const start = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (this.pos >= end) throw new DecodeError("truncated", `input ends inside a ${what}`, start);
      const byte = this.bytes[this.pos++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) {
        if (value > 0xffffffff) throw new DecodeError("overlong-varint", `${what} exceeds 32 bits`, start);
        return value;
      }
    }
    throw new DecodeError("overlong-varint", `${what} varint longer than 5 bytes`, start);
  }

  private skipVarint64(end: number): void {
    const start = this.pos;
    for (let i = 0; i < 10; i++) {
      if (this.pos >= end) throw new DecodeError("truncated", "input ends inside a varint", start);
      const byte = this.bytes[this.pos++]!;
      if (i === 9 && byte > 1) throw new DecodeError("overlong-varint", "varint exceeds 64 bits", start);
      if (byte < 0x80) return;
    }
    throw new DecodeError("overlong-varint", "varint longer than 10 bytes", start);
  }

  private skipFixed(size: number, end: number): void {
    if (this.pos + size > end) throw new DecodeError("truncated", `input ends inside a ${size}-byte value`, this.pos);
    this.pos += size;
  }
}
