// The client's frame codec: the generated ts-proto codec behind the strict wire
// check, with the same answers and typed errors as decodeFrame and encodeFrame
// of src/codec, but without the @bufbuild/protobuf descriptors they load for
// their merge fallback (most of a browser bundle): fields that must merge are
// merged on the bytes instead.
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { DecodeError, EncodeError } from "../codec/errors.js";
import { checkWire, dropMismatchedFields } from "../codec/wire-check.js";
import { WIRE_SCHEMA } from "../protocol/wire-schema.js";
import { mergeMessageFields, type OneofTable } from "./merge-fields.js";

const FRAME = "presence.v1.Frame";
const REQUEST_ID_FIELD = 1;

/** frame.proto's one oneof, `body`, has every field of Frame but request_id as a member. */
export const FRAME_ONEOFS: OneofTable = {
  [FRAME]: [Object.keys(WIRE_SCHEMA[FRAME]).map(Number).filter((field) => field !== REQUEST_ID_FIELD)],
};

// Invalid UTF-8 must be a typed error, never a silent U+FFFD.
const fatalUtf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const decodeUtf8Strict = (bytes: Uint8Array): string => fatalUtf8.decode(bytes);

/** Decodes one frame; DecodeError on malformed input or a frame over `maxFrameBytes`. */
export function decodeFrame(bytes: Uint8Array, maxFrameBytes: number): Frame {
  if (bytes.length > maxFrameBytes) {
    throw new DecodeError("frame-too-large", `frame of ${bytes.length} bytes exceeds ${maxFrameBytes}`);
  }
  const { wireTypeMismatch, repeatedMessageField } = checkWire(bytes, WIRE_SCHEMA, FRAME);
  // As src/codec's merge fallback does, a known field with another wire type is dropped when fields merge.
  const input = repeatedMessageField
    ? mergeMessageFields(wireTypeMismatch ? dropMismatchedFields(bytes, WIRE_SCHEMA, FRAME) : bytes, WIRE_SCHEMA, FRAME, FRAME_ONEOFS)
    : bytes;
  try {
    return Frame.decode(new BinaryReader(input, decodeUtf8Strict));
  } catch (cause) {
    // The wire check accepts only what the generated decoder can read; this is a safety net.
    throw new DecodeError("truncated", `${FRAME} could not be decoded: ${String(cause)}`, undefined, { cause });
  }
}

/** Encodes one frame; EncodeError for a value out of its field's range or a frame over `maxFrameBytes`. */
export function encodeFrame(frame: Frame, maxFrameBytes: number): Uint8Array {
  let bytes: Uint8Array;
  try {
    bytes = Frame.encode(frame).finish();
  } catch (cause) {
    throw new EncodeError(`${FRAME} could not be encoded: ${String(cause)}`, { cause });
  }
  if (bytes.length > maxFrameBytes) throw new EncodeError(`frame of ${bytes.length} bytes exceeds ${maxFrameBytes}`);
  return bytes;
}
