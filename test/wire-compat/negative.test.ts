// Every negative vector must be rejected with its typed DecodeError kind by
// every decoding entry point of the library, and the independent parsers
// must behave as the manifest records (reject, or accept with a note).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SPEC_LIMITS } from "../../generated/spec/presence/v1/spec.js";
import { DecodeError, type DecodeErrorKind } from "../../src/codec/errors.js";
import { toCanonicalJson } from "../../src/codec/json.js";
import { decodeFrame, decodeMessage } from "../../src/codec/messages.js";
import { ReflectionCodec } from "../../src/codec/reflect.js";
import { encodeDelimited, FrameStreamDecoder } from "../../src/codec/stream.js";
import { loadNegatives, type ParserVerdict } from "../../scripts/vectors/manifest.js";
import { bufBuildImage, bufConvertToJson, mapPool, protocDecode, TOOL_CONCURRENCY } from "../../scripts/vectors/tools.js";

const negatives = loadNegatives();
const reflection = ReflectionCodec.load();

/** The DecodeError `fn` throws (fails the test if it returns, or throws anything else). */
function decodeErrorOf(fn: () => unknown): DecodeError {
  let thrown: unknown;
  try {
    fn();
  } catch (error) {
    thrown = error;
  }
  expect(thrown, "expected a DecodeError, but decoding succeeded").toBeDefined();
  expect(thrown).toBeInstanceOf(DecodeError);
  return thrown as DecodeError;
}

describe("the negative vector set", () => {
  it("covers every DecodeError kind a single message can produce", () => {
    const kinds = new Set(negatives.map((n) => n.expected_error));
    const expected: DecodeErrorKind[] = ["truncated", "bad-wire-type", "bad-field-number", "overlong-varint", "length-out-of-range", "invalid-utf8", "too-deep"];
    expect(expected.filter((kind) => !kinds.has(kind))).toEqual([]);
  });
});

describe.each(negatives)("negative vector $name ($message, $expected_error)", (vector) => {
  it("decodeMessage rejects it with the expected kind", () => {
    expect(decodeErrorOf(() => decodeMessage(vector.type, vector.bytes)).kind).toBe(vector.expected_error);
  });

  it("the protobufjs reflection codec rejects it with the expected kind", () => {
    expect(decodeErrorOf(() => reflection.decode(vector.type, vector.bytes)).kind).toBe(vector.expected_error);
  });

  it("toCanonicalJson rejects it with the expected kind", () => {
    expect(decodeErrorOf(() => toCanonicalJson(vector.type, vector.bytes)).kind).toBe(vector.expected_error);
  });

});

describe.each(negatives.filter((n) => n.type === "Frame"))("negative Frame $name ($expected_error)", (vector) => {
  it("decodeFrame and FrameStreamDecoder reject it with the expected kind", () => {
    expect(decodeErrorOf(() => decodeFrame(vector.bytes)).kind).toBe(vector.expected_error);
    const stream = new FrameStreamDecoder();
    const result = stream.push(encodeDelimited(vector.bytes));
    expect(result.items).toEqual([]);
    expect(result.error?.kind).toBe(vector.expected_error);
  });
});

describe("independent parsers on the negative vectors", () => {
  const observed = new Map<string, { protoc: ParserVerdict; buf: ParserVerdict; protocError: string; bufError: string }>();
  let workDir = "";

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "presence-negative-"));
    const image = join(workDir, "image.binpb");
    await bufBuildImage(image);
    await mapPool(negatives, TOOL_CONCURRENCY, async (vector) => {
      const protoc = await protocDecode(vector.message, vector.bytes);
      const buf = await bufConvertToJson(image, vector.message, vector.bytes);
      observed.set(vector.name, {
        protoc: protoc.code === 0 ? "accepts" : "rejects",
        buf: buf.code === 0 ? "accepts" : "rejects",
        protocError: protoc.stderr,
        bufError: buf.stderr,
      });
    });
  });

  afterAll(() => {
    if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
  });

  it.each(negatives)("$name: protoc --decode (C++) and buf convert (Go) do what the manifest records", (vector) => {
    const seen = observed.get(vector.name)!;
    expect({ protoc: seen.protoc, buf: seen.buf }).toEqual({ protoc: vector.protoc, buf: vector.buf });
    if (seen.protoc === "rejects") expect(seen.protocError).toMatch(/Failed to parse input/);
    if (seen.buf === "rejects") expect(seen.bufError).toMatch(/cannot parse|invalid|unexpected|EOF|overflow|UTF-8|field number/i);
    // A parser that accepts bytes this library rejects must be explained in the manifest.
    if (vector.protoc === "accepts" || vector.buf === "accepts") expect(vector.note ?? "").not.toBe("");
  });

  it("most negative vectors are rejected by both independent parsers", () => {
    const bothReject = negatives.filter((n) => n.protoc === "rejects" && n.buf === "rejects");
    expect(bothReject.length).toBeGreaterThanOrEqual(negatives.length - 3);
  });
});

describe("frames over the maximum size (generated here, not committed)", () => {
  /** A well-formed Frame of exactly `size` bytes: request_id 1, then an unknown bytes field 100 as padding. */
  function frameOfSize(size: number): Uint8Array {
    // 08 01 | a2 06 <length varint> <padding>
    const header = 2 + 2;
    let length = size - header - 1;
    let lengthBytes: number[] = [];
    for (;;) {
      lengthBytes = [];
      for (let n = length; ; n = Math.floor(n / 128)) {
        lengthBytes.push(n >= 0x80 ? (n & 0x7f) | 0x80 : n);
        if (n < 0x80) break;
      }
      if (header + lengthBytes.length + length === size) break;
      length = size - header - lengthBytes.length;
    }
    const bytes = new Uint8Array(size);
    bytes.set([0x08, 0x01, 0xa2, 0x06, ...lengthBytes], 0);
    return bytes;
  }

  const max = SPEC_LIMITS.maxFrameBytes;

  it("the generator builds well-formed frames of the exact size", () => {
    expect(max).toBe(1024 * 1024);
    const atMax = frameOfSize(max);
    expect(atMax.length).toBe(max);
    expect(decodeMessage("Frame", atMax).requestId).toBe(1);
  });

  it("decodeFrame accepts a frame of exactly max_frame_bytes and rejects one byte more as frame-too-large", () => {
    expect(decodeFrame(frameOfSize(max)).requestId).toBe(1);
    const error = decodeErrorOf(() => decodeFrame(frameOfSize(max + 1)));
    expect(error.kind).toBe("frame-too-large");
  });

  it("the size limit is the protocol's, not the wire format's: protoc parses the oversized frame", async () => {
    const result = await protocDecode("presence.v1.Frame", frameOfSize(max + 1));
    expect(result.code).toBe(0);
    expect(result.stdout.toString("utf8")).toMatch(/^request_id: 1$/m);
  });

  it("a stream rejects the oversized frame from its length prefix alone", () => {
    const delimited = encodeDelimited(frameOfSize(max + 1));
    const stream = new FrameStreamDecoder();
    // Only the prefix (3 bytes for 2^20 + 1) is pushed: the decision needs nothing more.
    const result = stream.push(delimited.subarray(0, 3));
    expect(result.error?.kind).toBe("frame-too-large");
  });
});
