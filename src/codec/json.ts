// Canonical proto3 JSON for every message of presence.v1, through
// @bufbuild/protobuf (a conformant runtime): the JSON `buf convert` prints, so
// teams can diff it against other languages.
import { fromBinary, fromJson, toBinary, toJson, type JsonValue } from "@bufbuild/protobuf";
import { WIRE_SCHEMA } from "../protocol/wire-schema.js";
import { JsonError } from "./errors.js";
import { fullName, type MessageName } from "./messages.js";
import { registry } from "./registry.js";
import { checkWire, dropMismatchedFields } from "./wire-check.js";

export type { JsonValue };

function schemaOf(name: MessageName) {
  const schema = registry.getMessage(fullName(name));
  if (!schema) throw new JsonError(`${fullName(name)} is not in the registry`);
  return schema;
}

/** Decodes `bytes` (strictly: DecodeError on malformed input) to canonical proto3 JSON. */
export function toCanonicalJson(name: MessageName, bytes: Uint8Array): JsonValue {
  const { wireTypeMismatch } = checkWire(bytes, WIRE_SCHEMA, fullName(name));
  // @bufbuild/protobuf reads a known field number whatever its wire type; C++ and Go keep such a field as unknown
  // (and JSON drops unknown fields), so drop it first.
  const input = wireTypeMismatch ? dropMismatchedFields(bytes, WIRE_SCHEMA, fullName(name)) : bytes;
  const schema = schemaOf(name);
  return toJson(schema, fromBinary(schema, input), { registry });
}

/** Canonical JSON text: two-space indentation, as `buf convert` formats it when pretty-printed. */
export function toCanonicalJsonText(name: MessageName, bytes: Uint8Array): string {
  return JSON.stringify(toCanonicalJson(name, bytes), null, 2);
}

/**
 * Encodes proto3 JSON (text or a parsed value) as binary. Accepts what the
 * proto3 JSON mapping accepts (camelCase or original field names, enum names or
 * numbers, 64-bit integers as strings or numbers); anything else, including an
 * unknown field, is a JsonError.
 */
export function fromCanonicalJson(name: MessageName, json: string | JsonValue): Uint8Array {
  let value: JsonValue;
  try {
    value = typeof json === "string" ? (JSON.parse(json) as JsonValue) : json;
  } catch (cause) {
    throw new JsonError(`not JSON: ${String(cause)}`, { cause });
  }
  const schema = schemaOf(name);
  try {
    return toBinary(schema, fromJson(schema, value, { registry }));
  } catch (cause) {
    throw new JsonError(`not a valid ${fullName(name)} in proto3 JSON: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
    });
  }
}
