// Encode and decode every message of presence.v1 with the generated ts-proto
// codecs, behind a strict wire check and typed errors.
import { BinaryReader } from "@bufbuild/protobuf/wire";
import { Error as ErrorMessage, UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import {
  GetUserStatusRequest,
  GetUserStatusResponse,
  SetSelfStatusRequest,
  SetSelfStatusResponse,
  SubscribeUserStatusRequest,
  SubscribeUserStatusResponse,
  UnsubscribeUserStatusRequest,
  UnsubscribeUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import {
  Limits,
  LoginRequest,
  LoginResponse,
  LogoutRequest,
  LogoutResponse,
  Ping,
  Pong,
} from "../../generated/ts-proto/presence/v1/session.js";
import { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { SPEC_LIMITS } from "../protocol/limits.js";
import { WIRE_SCHEMA } from "../protocol/wire-schema.js";
import { decodeUtf8Strict } from "../wire/utf8.js";
import { DecodeError, EncodeError } from "./errors.js";
import { mergeMessageFields } from "./merge-fields.js";
import { checkWire } from "./wire-check.js";

/** The generated codec of every message of presence.v1, by short name. */
export const MESSAGES = {
  Device,
  Error: ErrorMessage,
  Frame,
  GetUserStatusRequest,
  GetUserStatusResponse,
  Limits,
  LoginRequest,
  LoginResponse,
  LogoutRequest,
  LogoutResponse,
  Ping,
  Pong,
  SetSelfStatusRequest,
  SetSelfStatusResponse,
  SubscribeUserStatusRequest,
  SubscribeUserStatusResponse,
  UnsubscribeUserStatusRequest,
  UnsubscribeUserStatusResponse,
  UserError,
  UserStatus,
  UserStatusChangedNotification,
} as const;

/** The short name of a message of presence.v1, e.g. "Frame". */
export type MessageName = keyof typeof MESSAGES;
/** The decoded TypeScript shape of a message, e.g. `MessageOf<"Frame">`. */
export type MessageOf<N extends MessageName> = ReturnType<(typeof MESSAGES)[N]["decode"]>;

/** Every message name, sorted. */
export const MESSAGE_NAMES = Object.keys(MESSAGES).sort() as MessageName[];

export const PACKAGE = "presence.v1";

export function isMessageName(name: string): name is MessageName {
  return Object.hasOwn(MESSAGES, name);
}

/** The full protobuf name, e.g. "presence.v1.Frame". */
export function fullName(name: MessageName): string {
  return `${PACKAGE}.${name}`;
}

// Invalid UTF-8 must be a typed error, never a silent U+FFFD: the readers get decodeUtf8Strict.

/**
 * Decodes `bytes` as the message `name`. Throws DecodeError on any malformed
 * input: truncation, wire type 6/7, field number 0, over-long varints, lengths
 * past the end, invalid UTF-8 in a string, nesting too deep. Unknown fields are
 * kept in `_unknownFields` and written back by `encodeMessage`.
 */
export function decodeMessage<N extends MessageName>(name: N, bytes: Uint8Array): MessageOf<N> {
  const { repeatedMessageField } = checkWire(bytes, WIRE_SCHEMA, fullName(name));
  // ts-proto's decoders replace a message field that arrives twice instead of merging the parts, as the
  // encoding requires (two serialized messages concatenated are their merge); such rare bytes are merged first.
  const input = repeatedMessageField ? mergeMessageFields(bytes, WIRE_SCHEMA, fullName(name)) : bytes;
  try {
    return MESSAGES[name].decode(new BinaryReader(input, decodeUtf8Strict)) as MessageOf<N>;
  } catch (cause) {
    // The wire check accepts only what the generated decoder can read; this is a safety net.
    throw new DecodeError("truncated", `${fullName(name)} could not be decoded: ${String(cause)}`, undefined, { cause });
  }
}

/**
 * Encodes a message. Lone UTF-16 surrogates in strings are written as U+FFFD
 * (valid UTF-8), as every conformant runtime does. Throws EncodeError for a
 * value out of its field's range (e.g. a uint64 above 2^64 - 1).
 */
export function encodeMessage<N extends MessageName>(name: N, message: MessageOf<N>): Uint8Array {
  try {
    // The union of all message codecs is not callable with one argument type; each pair matches by name.
    const codec = MESSAGES[name] as unknown as { encode(m: MessageOf<N>): { finish(): Uint8Array } };
    return codec.encode(message).finish();
  } catch (cause) {
    throw new EncodeError(`${fullName(name)} could not be encoded: ${String(cause)}`, { cause });
  }
}

export interface FrameDecodeOptions {
  /** Frames larger than this are rejected before decoding. Default: the spec's max_frame_bytes. */
  maxFrameBytes?: number;
}

/** Decodes one frame (one WebSocket message, or one frame cut from a stream). */
export function decodeFrame(bytes: Uint8Array, options: FrameDecodeOptions = {}): Frame {
  const maxFrameBytes = options.maxFrameBytes ?? SPEC_LIMITS.maxFrameBytes;
  if (bytes.length > maxFrameBytes) {
    throw new DecodeError("frame-too-large", `frame of ${bytes.length} bytes exceeds ${maxFrameBytes}`);
  }
  return decodeMessage("Frame", bytes);
}

/** Encodes one frame. Throws EncodeError if it is over `maxFrameBytes` (default: the spec's). */
export function encodeFrame(frame: Frame, options: FrameDecodeOptions = {}): Uint8Array {
  const bytes = encodeMessage("Frame", frame);
  const maxFrameBytes = options.maxFrameBytes ?? SPEC_LIMITS.maxFrameBytes;
  if (bytes.length > maxFrameBytes) {
    throw new EncodeError(`frame of ${bytes.length} bytes exceeds ${maxFrameBytes}`);
  }
  return bytes;
}
