// Length-delimited framing for byte streams (TCP, pipes, files): each frame is
// preceded by its byte length as a varint, as protobuf's writeDelimitedTo and
// `protoc --decode` with length prefixes do. WebSocket transports do not use
// this: one WebSocket message carries one frame.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { SPEC_LIMITS } from "../protocol/limits.js";
import { varint32Size, writeVarint32 } from "../wire/varint.js";
import { DecodeError, EncodeError } from "./errors.js";
import { decodeFrame, encodeFrame } from "./messages.js";

/** The longest length prefix: a varint of a 32-bit length. */
const MAX_PREFIX_BYTES = 5;

/** Prefixes `payload` with its length as a varint. */
export function encodeDelimited(payload: Uint8Array): Uint8Array {
  if (payload.length > 0xffffffff) throw new EncodeError("payload longer than 2^32 - 1 bytes");
  const prefixLength = varint32Size(payload.length);
  const out = new Uint8Array(prefixLength + payload.length);
  writeVarint32(out, 0, payload.length);
  out.set(payload, prefixLength);
  return out;
}

/** Encodes a frame with its length prefix, ready to write to a byte stream. */
export function encodeDelimitedFrame(frame: Frame, options: { maxFrameBytes?: number } = {}): Uint8Array {
  return encodeDelimited(encodeFrame(frame, options));
}

export interface StreamDecoderOptions {
  /** A prefix announcing more than this is rejected before any of the payload is buffered. */
  maxFrameBytes?: number;
}

/** What one chunk completed: every item before the first failure, and that failure. */
export interface StreamResult<T> {
  items: T[];
  /** Set when the stream failed; it stays failed (every later push returns it again). */
  error?: DecodeError;
}

/**
 * Cuts length-prefixed payloads out of a byte stream that arrives in chunks of
 * any size. A bad prefix or an oversized frame is a DecodeError, after which
 * the splitter stays failed: a stream cannot be resynchronised after it.
 * Payloads completed before the failure are still returned.
 */
export class DelimitedSplitter {
  private readonly maxFrameBytes: number;
  private buffer = new Uint8Array(0);
  private start = 0;
  private end = 0;
  private failure: DecodeError | undefined;

  constructor(options: StreamDecoderOptions = {}) {
    this.maxFrameBytes = options.maxFrameBytes ?? SPEC_LIMITS.maxFrameBytes;
  }

  /** Bytes received but not yet returned as a payload. */
  get pendingBytes(): number {
    return this.end - this.start;
  }

  /** Adds a chunk; returns every payload it completed (owned copies), and the failure if any. */
  push(chunk: Uint8Array): StreamResult<Uint8Array> {
    const items: Uint8Array[] = [];
    if (this.failure) return { items, error: this.failure };
    this.append(chunk);
    try {
      for (;;) {
        const prefix = this.readPrefix();
        if (prefix === undefined) break;
        const payloadStart = this.start + prefix.prefixBytes;
        if (payloadStart + prefix.length > this.end) break;
        items.push(this.buffer.slice(payloadStart, payloadStart + prefix.length));
        this.start = payloadStart + prefix.length;
      }
    } catch (error) {
      if (error instanceof DecodeError) return { items, error };
      throw error;
    }
    if (this.start === this.end) this.start = this.end = 0;
    return { items };
  }

  /** Declares the end of the stream: throws DecodeError if it failed or a frame was cut off. */
  finish(): void {
    if (this.failure) throw this.failure;
    if (this.pendingBytes > 0) {
      throw this.fail(new DecodeError("truncated", `stream ended inside a frame (${this.pendingBytes} bytes pending)`));
    }
  }

  private readPrefix(): { length: number; prefixBytes: number } | undefined {
    let length = 0;
    for (let i = 0; i < MAX_PREFIX_BYTES; i++) {
      if (this.start + i >= this.end) return undefined;
      const byte = this.buffer[this.start + i]!;
      length += (byte & 0x7f) * 2 ** (7 * i);
      if (byte < 0x80) {
        if (length > this.maxFrameBytes) {
          throw this.fail(new DecodeError("frame-too-large", `length prefix announces ${length} bytes, over ${this.maxFrameBytes}`));
        }
        return { length, prefixBytes: i + 1 };
      }
      // Fail as soon as the prefix can only describe an oversized frame, before more bytes arrive.
      if (length > this.maxFrameBytes) {
        throw this.fail(new DecodeError("frame-too-large", `length prefix announces more than ${this.maxFrameBytes} bytes`));
      }
    }
    throw this.fail(new DecodeError("bad-length-prefix", `length prefix longer than ${MAX_PREFIX_BYTES} bytes`));
  }

  private append(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buffer.length) {
      const pending = this.end - this.start;
      const needed = pending + chunk.length;
      const next = needed <= this.buffer.length ? this.buffer : new Uint8Array(Math.max(needed, this.buffer.length * 2, 256));
      if (next === this.buffer) next.copyWithin(0, this.start, this.end);
      else next.set(this.buffer.subarray(this.start, this.end), 0);
      this.buffer = next;
      this.start = 0;
      this.end = pending;
    }
    this.buffer.set(chunk, this.end);
    this.end += chunk.length;
  }

  private fail(error: DecodeError): DecodeError {
    this.failure = error;
    return error;
  }
}

/** Decodes frames from a length-prefixed byte stream arriving in chunks of any size. */
export class FrameStreamDecoder {
  private readonly splitter: DelimitedSplitter;
  private readonly maxFrameBytes: number | undefined;
  private failure: DecodeError | undefined;

  constructor(options: StreamDecoderOptions = {}) {
    this.splitter = new DelimitedSplitter(options);
    this.maxFrameBytes = options.maxFrameBytes;
  }

  get pendingBytes(): number {
    return this.splitter.pendingBytes;
  }

  /**
   * Adds a chunk; returns the frames it completed, and the first failure (a bad
   * prefix, an oversized or malformed frame), after which the stream stays failed.
   */
  push(chunk: Uint8Array): StreamResult<Frame> {
    if (this.failure) return { items: [], error: this.failure };
    const { items: payloads, error } = this.splitter.push(chunk);
    const items: Frame[] = [];
    for (const payload of payloads) {
      try {
        items.push(decodeFrame(payload, { maxFrameBytes: this.maxFrameBytes }));
      } catch (failure) {
        if (!(failure instanceof DecodeError)) throw failure;
        this.failure = failure;
        return { items, error: failure };
      }
    }
    if (error) this.failure = error;
    return error ? { items, error } : { items };
  }

  /** Declares the end of the stream: throws DecodeError if it failed or a frame was cut off. */
  finish(): void {
    if (this.failure) throw this.failure;
    this.splitter.finish();
  }
}
