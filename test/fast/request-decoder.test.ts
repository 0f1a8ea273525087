// The server's fast decoder of a query Frame against the general codec: the
// same object for every plain query, null (the general codec's turn) for
// anything else, malformed bytes included.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { decodeFrame } from "../../src/codec/messages.js";
import { decodeQueryFrame } from "../../src/fast/index.js";
import { anyText, frame } from "../support/arbitraries.js";

const RUNS = { numRuns: 300 };
const query = (requestId: number, userIds: string[]): Frame => ({ requestId, body: { $case: "getUserStatusRequest", value: { userIds } } });
const queries = fc.tuple(fc.nat({ max: 0xffffffff }), fc.array(anyText, { maxLength: 600 })).map(([id, ids]) => query(id, ids));
const encode = (f: Frame) => Frame.encode(f).finish();

/** What the general codec makes of the bytes, or the kind of error it throws. */
function general(bytes: Uint8Array): Frame | string {
  try {
    return decodeFrame(bytes);
  } catch (error) {
    return `throws ${(error as Error).name}`;
  }
}

describe("decodeQueryFrame", () => {
  it("decodes every plain query to what decodeFrame returns", () => {
    fc.assert(
      fc.property(queries, (q) => {
        const bytes = encode(q);
        const fast = decodeQueryFrame(bytes);
        expect(fast).not.toBeNull();
        expect(fast).toStrictEqual(decodeFrame(bytes));
      }),
      RUNS,
    );
  });

  it("returns null or decodeFrame's result for any frame (other bodies, unknown fields)", () => {
    fc.assert(
      fc.property(frame, (f) => {
        const bytes = encode(f);
        const fast = decodeQueryFrame(bytes);
        if (fast !== null) expect(fast).toStrictEqual(decodeFrame(bytes));
        // A query without unknown fields of its own is always the fast path's.
        const plain = f.body?.$case === "getUserStatusRequest" && Object.keys(f.body.value._unknownFields ?? {}).length === 0 && Object.keys(f._unknownFields ?? {}).length === 0;
        if (plain) expect(fast).not.toBeNull();
      }),
      RUNS,
    );
  });

  it("returns null wherever decodeFrame fails: corrupted and cut queries", () => {
    const damaged = fc.tuple(queries, fc.nat(), fc.integer({ min: 0, max: 255 }), fc.boolean()).map(([q, at, byte, cut]) => {
      const bytes = encode(q).slice();
      if (bytes.length === 0) return bytes;
      const i = at % bytes.length;
      if (cut) return bytes.subarray(0, i);
      bytes[i] = byte;
      return bytes;
    });
    fc.assert(
      fc.property(damaged, (bytes) => {
        const fast = decodeQueryFrame(bytes);
        const expected = general(bytes);
        if (typeof expected === "string") expect(fast).toBeNull();
        else if (fast !== null) expect(fast).toStrictEqual(expected);
      }),
      { numRuns: 1000 },
    );
  });

  it("leaves invalid UTF-8, a body twice and the body before the request id to the rules of decodeFrame", () => {
    const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
    // user id "\xC3\x28": invalid UTF-8.
    const invalid = hex("0801" + "2a04" + "0a02c328");
    expect(decodeQueryFrame(invalid)).toBeNull();
    expect(general(invalid)).toBe("throws DecodeError");
    // Two bodies: the general codec merges them.
    const twice = hex("0801" + "2a030a0161" + "2a030a0162");
    expect(decodeQueryFrame(twice)).toBeNull();
    expect(decodeFrame(twice).body).toMatchObject({ value: { userIds: ["a", "b"] } });
    const bodyFirst = hex("2a030a0161" + "0807");
    expect(decodeQueryFrame(bodyFirst)).toStrictEqual(decodeFrame(bodyFirst));
    expect(decodeQueryFrame(bodyFirst)?.requestId).toBe(7);
  });
});
