// Typed errors of the codec library. Every failure the library reports is a
// PresenceWireError subclass; no bare RangeError or TypeError escapes.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";

/** The base class of every error this package throws. */
export class PresenceWireError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** Why bytes could not be decoded. */
export type DecodeErrorKind =
  /** The input (or a nested message) ended inside a tag, a varint, a length prefix, a fixed-width value or a group. */
  | "truncated"
  /** Wire type 6 or 7 (no such wire type), or a group end without its start. */
  | "bad-wire-type"
  /** Field number 0, or above 2^29 - 1. */
  | "bad-field-number"
  /** A varint longer than 10 bytes, or a 10th byte above 1. */
  | "overlong-varint"
  /** A length prefix that points past the end of its enclosing message (at the top level: past the end of the input). */
  | "length-out-of-range"
  /** A string field that is not valid UTF-8. */
  | "invalid-utf8"
  /** Messages nested deeper than the decoder allows. */
  | "too-deep"
  /** A frame (or its length prefix) larger than the maximum frame size. */
  | "frame-too-large"
  /** A stream length prefix that is not a valid varint of at most 5 bytes. */
  | "bad-length-prefix";

/** Bytes that are not a valid encoding of the expected message. */
export class DecodeError extends PresenceWireError {
  constructor(
    readonly kind: DecodeErrorKind,
    message: string,
    /** Byte offset in the input where the problem was found, when known. */
    readonly offset?: number,
    options?: { cause?: unknown },
  ) {
    super(offset === undefined ? message : `${message} (at byte ${offset})`, options);
  }

  /** The spec's error code a server answers this failure with. */
  get code(): ErrorCode {
    return this.kind === "frame-too-large" ? ErrorCode.ERROR_CODE_FRAME_TOO_LARGE : ErrorCode.ERROR_CODE_MALFORMED_FRAME;
  }
}

/** A value that cannot be encoded (e.g. an integer out of its field's range). */
export class EncodeError extends PresenceWireError {}

/** A request or frame that decodes but breaks a rule of the specification. */
export class ProtocolError extends PresenceWireError {
  /** The explanation without the code's name: what goes into an `Error` frame's message. */
  readonly detail: string;

  constructor(
    readonly code: ErrorCode,
    detail: string,
    /** With ERROR_CODE_FREQUENCY_LIMIT: milliseconds until a retry is accepted. */
    readonly retryAfterMs = 0,
  ) {
    super(`${ErrorCode[code] ?? code}: ${detail}`);
    this.detail = detail;
  }
}

/** JSON that is not the canonical proto3 JSON of the expected message. */
export class JsonError extends PresenceWireError {}

/** A configuration value (limits, server or client options) that is out of range. */
export class ConfigError extends PresenceWireError {}
