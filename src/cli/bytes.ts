// The byte notations the CLI reads and writes.
import { PresenceWireError } from "../codec/errors.js";

export const BYTE_FORMATS = ["binary", "hex", "base64"] as const;
export type ByteFormat = (typeof BYTE_FORMATS)[number];

/** Input in a notation the CLI cannot read (odd hex, stray characters). */
export class ByteNotationError extends PresenceWireError {}

const HEX = /^(?:[0-9a-fA-F]{2})*$/;
const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;

/** Reads bytes written as `format`; whitespace between hex or base64 characters is ignored. */
export function parseBytes(raw: Uint8Array, format: ByteFormat, fromArgument = false): Uint8Array {
  if (format === "binary") {
    if (fromArgument) throw new ByteNotationError("--data carries text: use --from hex or --from base64");
    return raw;
  }
  const text = new TextDecoder().decode(raw).replace(/\s+/g, "");
  if (format === "hex") {
    const digits = text.replace(/^0x/i, "");
    if (!HEX.test(digits)) throw new ByteNotationError("not hex: expected an even number of 0-9 a-f digits");
    return Uint8Array.from(Buffer.from(digits, "hex"));
  }
  if (!BASE64.test(text) || text.replace(/=+$/, "").length % 4 === 1) {
    throw new ByteNotationError("not base64");
  }
  return Uint8Array.from(Buffer.from(text, text.includes("-") || text.includes("_") ? "base64url" : "base64"));
}

export function formatBytes(bytes: Uint8Array, format: ByteFormat): Uint8Array | string {
  if (format === "binary") return bytes;
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString(format);
  return `${text}\n`;
}
