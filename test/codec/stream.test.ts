// Unit tests of src/codec/stream.ts: varint length prefixes, chunked input,
// the frame size limit, and sticky failures.
import protobuf from "protobufjs";
import { describe, expect, it } from "vitest";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { DecodeError, EncodeError } from "../../src/codec/errors.js";
import { concatBytes } from "../../src/codec/byte-parts.js";
import { encodeMessage } from "../../src/codec/messages.js";
import { DelimitedSplitter, encodeDelimited, encodeDelimitedFrame, FrameStreamDecoder } from "../../src/codec/stream.js";

const ping = (requestId: number): Frame => Frame.fromPartial({ requestId, body: { $case: "ping", value: { clientTimeMs: BigInt(requestId) } } });
const delimitedPing = (requestId: number): Uint8Array => encodeDelimited(encodeMessage("Frame", ping(requestId)));

/** The kind of the DecodeError `fn` throws; fails if it throws nothing or something else. */
function kindThrownBy(fn: () => unknown): string {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return (error as DecodeError).kind;
  }
  throw new Error("expected a DecodeError");
}

describe("encodeDelimited", () => {
  it.each([0, 1, 127, 128, 300, 16_383, 16_384, 70_000])("prefixes %i bytes exactly as protobufjs's length-delimited writer does", (size) => {
    const payload = Uint8Array.from({ length: size }, (_, i) => i % 251);
    const expected = protobuf.Writer.create().bytes(payload).finish();
    expect(Buffer.from(encodeDelimited(payload)).equals(Buffer.from(expected))).toBe(true);
  });

  it("encodeDelimitedFrame refuses a frame over maxFrameBytes", () => {
    const big = Frame.fromPartial({ requestId: 1, body: { $case: "setSelfStatusRequest", value: { customStatus: "x".repeat(200) } } });
    expect(() => encodeDelimitedFrame(big, { maxFrameBytes: 100 })).toThrow(EncodeError);
    expect(encodeDelimitedFrame(big, { maxFrameBytes: 1000 }).length).toBeGreaterThan(200);
  });
});

describe("FrameStreamDecoder", () => {
  it("decodes frames split one byte at a time", () => {
    const bytes = concatBytes([delimitedPing(1), delimitedPing(2), encodeDelimited(new Uint8Array(0))]);
    const decoder = new FrameStreamDecoder();
    const frames: Frame[] = [];
    for (const byte of bytes) {
      const result = decoder.push(Uint8Array.of(byte));
      expect(result.error).toBeUndefined();
      frames.push(...result.items);
    }
    decoder.finish();
    expect(frames).toEqual([ping(1), ping(2), Frame.fromPartial({})]);
  });

  it("rejects an oversized frame from its length prefix alone, before any payload arrives", () => {
    const decoder = new FrameStreamDecoder({ maxFrameBytes: 100 });
    const result = decoder.push(Uint8Array.of(101)); // prefix: 101 bytes follow
    expect(result.error).toBeInstanceOf(DecodeError);
    expect(result.error?.kind).toBe("frame-too-large");
    expect(decoder.pendingBytes).toBe(1);
  });

  it("rejects a multi-byte prefix as soon as its first byte can only mean an oversized frame", () => {
    const decoder = new FrameStreamDecoder({ maxFrameBytes: 100 });
    // 0xff: at least 127 bytes, whatever follows.
    expect(decoder.push(Uint8Array.of(0xff)).error?.kind).toBe("frame-too-large");
  });

  it("accepts a frame of exactly maxFrameBytes", () => {
    const frame = Frame.fromPartial({ requestId: 1, body: { $case: "setSelfStatusRequest", value: { customStatus: "y".repeat(60) } } });
    const payload = encodeMessage("Frame", frame);
    const decoder = new FrameStreamDecoder({ maxFrameBytes: payload.length });
    expect(decoder.push(encodeDelimited(payload))).toEqual({ items: [frame] });
    const smaller = new FrameStreamDecoder({ maxFrameBytes: payload.length - 1 });
    expect(smaller.push(encodeDelimited(payload)).error?.kind).toBe("frame-too-large");
  });

  it("rejects a 6-byte length prefix as bad-length-prefix", () => {
    const decoder = new FrameStreamDecoder({ maxFrameBytes: 2 ** 31 });
    // Five continuation bytes (a value of 0 so far, under the limit), then a sixth byte.
    const result = decoder.push(Uint8Array.of(0x80, 0x80, 0x80, 0x80, 0x80, 0x00));
    expect(result.error?.kind).toBe("bad-length-prefix");
  });

  it("throws truncated at finish when the stream ends inside a frame or inside a prefix", () => {
    const insideFrame = new FrameStreamDecoder();
    const whole = delimitedPing(3);
    expect(insideFrame.push(whole.subarray(0, whole.length - 1))).toEqual({ items: [] });
    expect(kindThrownBy(() => insideFrame.finish())).toBe("truncated");

    const insidePrefix = new FrameStreamDecoder();
    expect(insidePrefix.push(Uint8Array.of(0x80))).toEqual({ items: [] });
    expect(kindThrownBy(() => insidePrefix.finish())).toBe("truncated");
  });

  it("returns the frames completed before a failure, with the failure", () => {
    const decoder = new FrameStreamDecoder({ maxFrameBytes: 100 });
    const result = decoder.push(concatBytes([delimitedPing(1), delimitedPing(2), Uint8Array.of(0x7f)]));
    expect(result.items).toEqual([ping(1), ping(2)]);
    expect(result.error?.kind).toBe("frame-too-large");
  });

  it("returns the frames before a malformed payload, and the payload's own error kind", () => {
    const decoder = new FrameStreamDecoder();
    const malformed = encodeDelimited(Uint8Array.of(0x0f)); // wire type 7
    const result = decoder.push(concatBytes([delimitedPing(1), malformed, delimitedPing(2)]));
    expect(result.items).toEqual([ping(1)]);
    expect(result.error?.kind).toBe("bad-wire-type");
  });

  it("stays failed: later pushes return the same error and no frames; finish throws it", () => {
    const decoder = new FrameStreamDecoder({ maxFrameBytes: 10 });
    const first = decoder.push(Uint8Array.of(0x7f)).error;
    expect(first).toBeInstanceOf(DecodeError);
    const again = decoder.push(delimitedPing(1));
    expect(again.items).toEqual([]);
    expect(again.error).toBe(first);
    expect(() => decoder.finish()).toThrow(first);
  });

  it("stays failed after a malformed payload too", () => {
    const decoder = new FrameStreamDecoder();
    const first = decoder.push(encodeDelimited(Uint8Array.of(0x00, 0x00))).error; // field number 0
    expect(first?.kind).toBe("bad-field-number");
    expect(decoder.push(delimitedPing(5))).toEqual({ items: [], error: first });
    expect(() => decoder.finish()).toThrow(first);
  });
});

describe("DelimitedSplitter", () => {
  it("returns owned copies of the payloads and reports the bytes still pending", () => {
    const splitter = new DelimitedSplitter();
    const chunk = concatBytes([encodeDelimited(Uint8Array.of(1, 2, 3)), Uint8Array.of(5, 9)]);
    const result = splitter.push(chunk);
    expect(result.items.map((item) => Array.from(item))).toEqual([[1, 2, 3]]);
    expect(splitter.pendingBytes).toBe(2);
    chunk.fill(0); // the caller reuses its buffer
    expect(Array.from(result.items[0]!)).toEqual([1, 2, 3]);
    const rest = splitter.push(Uint8Array.of(4, 5, 6, 7));
    expect(rest.items.map((item) => Array.from(item))).toEqual([[9, 4, 5, 6, 7]]);
    expect(splitter.pendingBytes).toBe(0);
    splitter.finish();
  });

  it("is sticky after a failure", () => {
    const splitter = new DelimitedSplitter({ maxFrameBytes: 4 });
    const { error } = splitter.push(Uint8Array.of(5));
    expect(error?.kind).toBe("frame-too-large");
    expect(splitter.push(encodeDelimited(Uint8Array.of(1)))).toEqual({ items: [], error });
    expect(() => splitter.finish()).toThrow(error);
  });
});
