// The shared wire primitives against the platform's own UTF-8 and a
// reference varint writer (@bufbuild/protobuf's BinaryWriter).
import { BinaryWriter } from "@bufbuild/protobuf/wire";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DecodeError } from "../../src/codec/errors.js";
import { decodeUtf8Strict, readUtf8, utf8Length, writeUtf8From } from "../../src/wire/utf8.js";
import { varint32Size, writeInt32, writeVarint32 } from "../../src/wire/varint.js";

const fatal = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
const encoder = new TextEncoder();
// Raw UTF-16, so lone and reversed surrogates appear.
const anyText = fc.array(fc.integer({ min: 0, max: 0xffff }), { maxLength: 100 }).map((units) => String.fromCharCode(...units));

describe("varints", () => {
  it("uint32: size and bytes as a reference writer writes them", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 32 - 1 }), (value) => {
        const expected = new BinaryWriter().uint32(value).finish();
        const buf = new Uint8Array(5);
        expect(writeVarint32(buf, 0, value)).toBe(expected.length);
        expect(varint32Size(value)).toBe(expected.length);
        expect(buf.subarray(0, expected.length)).toEqual(expected);
      }),
    );
  });

  it("int32: negatives sign-extended to 10 bytes", () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), (value) => {
        const expected = new BinaryWriter().int32(value).finish();
        const buf = new Uint8Array(10);
        expect(buf.subarray(0, writeInt32(buf, 0, value))).toEqual(expected);
      }),
    );
  });
});

describe("UTF-8", () => {
  it("utf8Length and writeUtf8From agree with TextEncoder (lone surrogates as U+FFFD)", () => {
    fc.assert(
      fc.property(anyText, fc.nat(), (text, cut) => {
        const from = text.length === 0 ? 0 : cut % text.length;
        // Start where a writer hands over: never inside a surrogate pair.
        const start = from > 0 && /[\uD800-\uDBFF]/.test(text[from - 1]!) && /[\uDC00-\uDFFF]/.test(text[from]!) ? from - 1 : from;
        const expected = encoder.encode(text.slice(start));
        expect(utf8Length(text)).toBe(encoder.encode(text).length);
        const buf = new Uint8Array(3 * text.length);
        expect(buf.subarray(0, writeUtf8From(buf, 0, text, start))).toEqual(expected);
      }),
    );
  });

  it("readUtf8 decodes what a fatal TextDecoder decodes and rejects what it rejects, short and long", () => {
    const bytes = fc.oneof(
      anyText.map((text) => encoder.encode(text)),
      fc.uint8Array({ maxLength: 100 }),
      fc.array(fc.constantFrom(0x41, 0xc2, 0xa9, 0xe0, 0xa0, 0x80, 0xed, 0xbf, 0xf0, 0x90, 0xf4, 0x8f, 0xf5, 0xc0), { maxLength: 90 }).map((b) => Uint8Array.from(b)),
    );
    fc.assert(
      fc.property(bytes, (input) => {
        let expected: string | undefined;
        try {
          expected = fatal.decode(input);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) {
          expect(() => readUtf8(input, 0, input.length)).toThrow(DecodeError);
          expect(() => decodeUtf8Strict(input)).toThrow(TypeError);
        } else {
          expect(readUtf8(input, 0, input.length)).toBe(expected);
          expect(decodeUtf8Strict(input)).toBe(expected);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it("readUtf8 reports invalid UTF-8 as DecodeError invalid-utf8", () => {
    const input = Uint8Array.of(0x61, 0xed, 0xa0, 0x80);
    expect(() => readUtf8(input, 0, input.length)).toThrow(expect.objectContaining({ kind: "invalid-utf8" }));
  });
});
