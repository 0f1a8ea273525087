// Property tests across the three JS codecs (ts-proto, protobufjs reflection,
// @bufbuild/protobuf), the stream decoder, and the strict decoders on
// arbitrary bytes.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../src/codec/errors.js";
import { fromCanonicalJson, toCanonicalJson } from "../../src/codec/json.js";
import { decodeMessage, encodeMessage, MESSAGE_NAMES, type MessageName } from "../../src/codec/messages.js";
import { ReflectionCodec, type ReflectJson } from "../../src/codec/reflect.js";
import { encodeDelimited, FrameStreamDecoder } from "../../src/codec/stream.js";
import { frame, wellFormed } from "../support/arbitraries.js";
import { toHex } from "../../scripts/vectors/hex.js";

const reflection = ReflectionCodec.load();

describe("random Frames (every body kind, hostile strings, 64-bit extremes, unknown enum numbers)", () => {
  it("encode to the same bytes in ts-proto, protobufjs reflection and @bufbuild/protobuf, and decode back equal", () => {
    fc.assert(
      fc.property(frame, (original) => {
        const bytes = encodeMessage("Frame", original);
        const json = toCanonicalJson("Frame", bytes);
        expect(toHex(reflection.encode("Frame", json as ReflectJson))).toBe(toHex(bytes));
        expect(toHex(fromCanonicalJson("Frame", json))).toBe(toHex(bytes));
        // protobufjs decodes to the same JSON as @bufbuild/protobuf.
        expect(reflection.decode("Frame", bytes)).toEqual(json);
        expect(decodeMessage("Frame", bytes)).toEqual(wellFormed(original));
      }),
      { numRuns: 150 },
    );
  });

  it("encodeMessage writes only valid UTF-8: lone surrogates become U+FFFD", () => {
    // ignoreBOM: a leading U+FEFF is text, as protobuf decoders keep it (a default TextDecoder strips it).
    const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    fc.assert(
      fc.property(frame, (original) => {
        // The strict decoder validates every string field as UTF-8 with a fatal decoder.
        const bytes = encodeMessage("Frame", original);
        expect(() => decodeMessage("Frame", bytes)).not.toThrow();
        if (original.body?.$case === "setSelfStatusRequest") {
          const text = original.body.value.customStatus;
          expect(fatal.decode(new TextEncoder().encode(text))).toBe(text.toWellFormed());
        }
      }),
      { numRuns: 50 },
    );
  });
});

describe("FrameStreamDecoder on random frames cut at random places", () => {
  it("returns the frames in order, whatever the chunk boundaries", () => {
    const framesAndCuts = fc.array(frame, { minLength: 1, maxLength: 6 }).chain((frames) => {
      const stream = frames.map((f) => encodeDelimited(encodeMessage("Frame", f)));
      const total = stream.reduce((sum, part) => sum + part.length, 0);
      return fc.tuple(fc.constant(frames), fc.constant(stream), fc.uniqueArray(fc.integer({ min: 1, max: Math.max(1, total - 1) }), { maxLength: 12 }));
    });
    fc.assert(
      fc.property(framesAndCuts, ([frames, delimited, cuts]) => {
        const all = new Uint8Array(delimited.reduce((sum, part) => sum + part.length, 0));
        let offset = 0;
        for (const part of delimited) {
          all.set(part, offset);
          offset += part.length;
        }
        const boundaries = [0, ...cuts.filter((cut) => cut < all.length).sort((a, b) => a - b), all.length];
        const decoder = new FrameStreamDecoder();
        const received = [];
        for (let i = 0; i + 1 < boundaries.length; i++) {
          const result = decoder.push(all.subarray(boundaries[i], boundaries[i + 1]));
          expect(result.error).toBeUndefined();
          received.push(...result.items);
        }
        expect(() => decoder.finish()).not.toThrow();
        expect(decoder.pendingBytes).toBe(0);
        expect(received).toEqual(frames.map((f) => wellFormed(f)));
      }),
      { numRuns: 100 },
    );
  });
});

describe("the strict decoders on arbitrary bytes", () => {
  const messageName = fc.constantFrom(...MESSAGE_NAMES);

  /** Runs `fn`; returns "ok" or "DecodeError", and fails on any other exception. */
  function outcome(fn: () => unknown): "ok" | "DecodeError" {
    try {
      fn();
      return "ok";
    } catch (error) {
      if (error instanceof DecodeError) return "DecodeError";
      throw new Error(`not a DecodeError: ${String(error)}`, { cause: error });
    }
  }

  function checkAllDecoders(name: MessageName, bytes: Uint8Array): void {
    const results = [
      outcome(() => decodeMessage(name, bytes)),
      outcome(() => reflection.decode(name, bytes)),
      outcome(() => toCanonicalJson(name, bytes)),
    ];
    // The same verdict from all three: they share the wire check, and none may fail after it.
    expect(new Set(results).size).toBe(1);
    if (results[0] === "ok") {
      // What decodes re-encodes to bytes with the same canonical JSON.
      const reencoded = encodeMessage(name, decodeMessage(name, bytes));
      expect(toCanonicalJson(name, reencoded)).toEqual(toCanonicalJson(name, bytes));
    }
  }

  it("random bytes: only DecodeError, never a bare RangeError/TypeError, and the three decoders agree", () => {
    fc.assert(
      fc.property(messageName, fc.uint8Array({ maxLength: 48 }), (name, bytes) => checkAllDecoders(name, bytes)),
      { numRuns: 400 },
    );
  });

  it("valid frames with random byte edits (flip, insert, delete, truncate): the same", () => {
    const edit = fc.oneof(
      fc.record({ kind: fc.constant("set" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
      fc.record({ kind: fc.constant("delete" as const), at: fc.nat(), byte: fc.constant(0) }),
      fc.record({ kind: fc.constant("truncate" as const), at: fc.nat(), byte: fc.constant(0) }),
    );
    fc.assert(
      fc.property(frame, fc.array(edit, { minLength: 1, maxLength: 3 }), (original, edits) => {
        let bytes = Array.from(encodeMessage("Frame", original));
        for (const { kind, at, byte } of edits) {
          const position = bytes.length === 0 ? 0 : at % (bytes.length + (kind === "insert" ? 1 : 0));
          if (kind === "set" && bytes.length > 0) bytes[position] = byte;
          else if (kind === "insert") bytes.splice(position, 0, byte);
          else if (kind === "delete") bytes.splice(position, 1);
          else if (kind === "truncate") bytes = bytes.slice(0, position);
        }
        checkAllDecoders("Frame", Uint8Array.from(bytes));
      }),
      { numRuns: 300 },
    );
  });
});
