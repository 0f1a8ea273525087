// Building bytes from parts, for the rewrites of a message on the wire (fields
// dropped or merged): a length prefix, and the parts joined.
import { varint32Size, writeVarint32 } from "../wire/varint.js";

/** The varint of a length, as its own part. */
export function varintBytes(value: number): Uint8Array {
  const out = new Uint8Array(varint32Size(value));
  writeVarint32(out, 0, value);
  return out;
}

export function concatBytes(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
