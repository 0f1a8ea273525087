import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import { DecodeError, type DecodeErrorKind } from "../../src/codec/errors.js";
import { decodeFrame } from "../../src/codec/messages.js";
import { decodeGetUserStatusResponse, decodeStatusFrame, decodeUserStatusChanged } from "../../src/fast/decoder.js";
import { getUserStatusResponse, statusFrame, userStatusChanged } from "../support/arbitraries.js";

const RUNS = { numRuns: 300 };

function kindOf(run: () => unknown): DecodeErrorKind | "ok" {
  try {
    run();
    return "ok";
  } catch (error) {
    if (error instanceof DecodeError) return error.kind;
    throw error;
  }
}

describe("fast decoder returns what ts-proto returns", () => {
  it("GetUserStatusResponse, unknown fields and unknown enum numbers included", () => {
    fc.assert(
      fc.property(getUserStatusResponse, (response) => {
        const bytes = GetUserStatusResponse.encode(response).finish();
        expect(decodeGetUserStatusResponse(bytes)).toStrictEqual(GetUserStatusResponse.decode(bytes));
      }),
      RUNS,
    );
  });

  it("UserStatusChangedNotification", () => {
    fc.assert(
      fc.property(userStatusChanged, (notification) => {
        const bytes = UserStatusChangedNotification.encode(notification).finish();
        expect(decodeUserStatusChanged(bytes)).toStrictEqual(UserStatusChangedNotification.decode(bytes));
      }),
      RUNS,
    );
  });

  it("Frame carrying either batch", () => {
    fc.assert(
      fc.property(statusFrame, (frame) => {
        const bytes = Frame.encode(frame).finish();
        expect(decodeStatusFrame(bytes)).toStrictEqual(Frame.decode(bytes));
      }),
      RUNS,
    );
  });

  it("a body that arrives twice merges, as decodeFrame, protoc and python read it", () => {
    const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
    for (const bytes of [hex("32050a030a016132050a030a0162"), hex("22050a030a016122050a030a0162")]) {
      expect(decodeStatusFrame(bytes)?.body?.value.statuses.map((status) => status.userId)).toEqual(["a", "b"]);
      expect(decodeStatusFrame(bytes)).toStrictEqual(decodeFrame(bytes));
    }
  });

  it("concatenated status frames (merged or rival bodies) as decodeFrame reads them", () => {
    fc.assert(
      fc.property(fc.array(statusFrame, { minLength: 2, maxLength: 3 }), (frames) => {
        const bytes = Uint8Array.from(frames.flatMap((frame) => [...Frame.encode(frame).finish()]));
        expect(decodeStatusFrame(bytes)).toStrictEqual(decodeFrame(bytes));
      }),
      RUNS,
    );
  });

  it("empty input: empty lists, a frame with no body", () => {
    const empty = new Uint8Array(0);
    expect(decodeGetUserStatusResponse(empty)).toStrictEqual(GetUserStatusResponse.decode(empty));
    expect(decodeUserStatusChanged(empty)).toStrictEqual(UserStatusChangedNotification.decode(empty));
    expect(decodeStatusFrame(empty)).toStrictEqual(Frame.decode(empty));
  });

  it("a frame with another body kind is left to the general codec (null)", () => {
    const bytes = Frame.encode({ requestId: 3, body: { $case: "pong", value: { clientTimeMs: 1n, serverTimeMs: 2n } } }).finish();
    expect(decodeStatusFrame(bytes)).toBeNull();
  });

  it("keeps a leading U+FEFF (no BOM stripping), like ts-proto", () => {
    const bytes = UserStatusChangedNotification.encode({ statuses: [{ userId: "\uFEFFx", statusType: 1, customStatus: "\uFEFF".repeat(50), onlineDevices: [], version: 1n, changedAtMs: 0n, reason: 0, epoch: 0n }] }).finish();
    const decoded = decodeUserStatusChanged(bytes);
    expect(decoded.statuses[0]?.userId).toBe("\uFEFFx");
    expect(decoded).toStrictEqual(UserStatusChangedNotification.decode(bytes));
  });

  it("any bytes: either a DecodeError, or exactly ts-proto's result", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        for (const [fast, generated] of [
          [decodeGetUserStatusResponse, GetUserStatusResponse.decode],
          [decodeUserStatusChanged, UserStatusChangedNotification.decode],
        ] as const) {
          let decoded: unknown;
          try {
            decoded = fast(bytes);
          } catch (error) {
            expect(error).toBeInstanceOf(DecodeError);
            continue;
          }
          expect(decoded).toStrictEqual(generated(bytes));
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe("malformed input is rejected with typed DecodeErrors", () => {
  const hex = (s: string) => Uint8Array.from(Buffer.from(s.replace(/ /g, ""), "hex"));
  const cases: [string, string, DecodeErrorKind][] = [
    ["tag cut short", "8a", "truncated"],
    ["varint field cut short", "18 ff", "truncated"],
    ["fixed64 cut short", "19 0102030405", "truncated"],
    ["fixed32 cut short", "1d 0102", "truncated"],
    ["entry longer than the input", "0a 05 0a 01 61", "length-out-of-range"],
    ["length prefix cut short", "0a 85", "truncated"],
    ["group without its end", "1b 08 01", "truncated"],
    ["string longer than its entry", "0a 03 0a 05 61 61 61 61 61", "length-out-of-range"],
    ["device longer than its status", "0a 04 22 05 0a 00 00 00", "length-out-of-range"],
    ["wire type 6", "0e", "bad-wire-type"],
    ["wire type 7", "0f", "bad-wire-type"],
    ["end group without a start", "0c", "bad-wire-type"],
    ["group closed by another field's end", "1b 08 01 24", "bad-wire-type"],
    ["field number 0", "00", "bad-field-number"],
    ["field number 0 in a nested status", "0a 02 02 00", "bad-field-number"],
    ["tag above 32 bits", "fa ff ff ff 1f 00", "overlong-varint"],
    ["tag of 6 bytes", "8a 80 80 80 80 00", "overlong-varint"],
    ["length of 6 bytes", "0a 80 80 80 80 80 00", "overlong-varint"],
    ["length above 2^31 - 1", "0a 80 80 80 80 08", "length-out-of-range"],
    ["varint of 11 bytes", "18 ffffffffffffffffffff01", "overlong-varint"],
    ["10th varint byte above 1", "18 ffffffffffffffffff02", "overlong-varint"],
    ["status type varint of 11 bytes", "0a 0c 10 ffffffffffffffffffff01", "overlong-varint"],
    ["overlong UTF-8 (C0 80)", "0a 04 0a 02 c0 80", "invalid-utf8"],
    ["UTF-8 surrogate (ED A0 80)", "0a 05 0a 03 eda080", "invalid-utf8"],
    ["UTF-8 above U+10FFFF", "0a 06 0a 04 f4908080", "invalid-utf8"],
    ["UTF-8 sequence cut short", "0a 04 0a 02 e4b8", "invalid-utf8"],
    ["lone continuation byte", "0a 03 0a 01 80", "invalid-utf8"],
    ["byte FF", "0a 03 0a 01 ff", "invalid-utf8"],
    ["invalid UTF-8 in a long (TextDecoder) string", `0a 85 02 0a 82 02 ${"61".repeat(257)}ff`, "invalid-utf8"],
    ["invalid UTF-8 in an error message", "12 03 1a 01 ff", "invalid-utf8"],
    ["groups nested 65 deep", `${"0b".repeat(65)}${"0c".repeat(65)}`, "too-deep"],
    ["groups nested 64 deep inside a status", `0a 80 01 ${"0b".repeat(64)}${"0c".repeat(64)}`, "too-deep"],
  ];
  it.each(cases)("%s", (_, input, kind) => {
    expect(kindOf(() => decodeGetUserStatusResponse(hex(input)))).toBe(kind);
  });

  it("groups nested 64 deep are fine and kept as one unknown field", () => {
    const bytes = hex(`${"0b".repeat(64)}${"0c".repeat(64)}`);
    expect(decodeGetUserStatusResponse(bytes)).toStrictEqual(GetUserStatusResponse.decode(bytes));
  });

  it("string bytes: accepted exactly when a fatal TextDecoder accepts them, with its text", () => {
    const strict = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });
    const utf8ish = fc.array(
      fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0x80, 0xbf, 0xa0, 0x9f, 0x90, 0x8f)),
      { maxLength: 200 },
    );
    fc.assert(
      fc.property(utf8ish, (content) => {
        const bytes = Uint8Array.from(content);
        // statuses { custom_status: <bytes> }, with explicit two-byte lengths.
        const message = Uint8Array.from([0x0a, 0x80 | ((bytes.length + 3) & 0x7f), (bytes.length + 3) >> 7, 0x1a, 0x80 | (bytes.length & 0x7f), bytes.length >> 7, ...bytes]);
        let expected: string | undefined;
        try {
          expected = strict.decode(bytes);
        } catch {
          expected = undefined;
        }
        if (expected === undefined) {
          expect(kindOf(() => decodeUserStatusChanged(message))).toBe("invalid-utf8");
        } else {
          expect(decodeUserStatusChanged(message).statuses[0]?.customStatus).toBe(expected);
        }
      }),
      { numRuns: 3000 },
    );
  });

  it("every strict prefix of a valid message is rejected as cut short or decodes like ts-proto", () => {
    fc.assert(
      fc.property(getUserStatusResponse, fc.nat(), (response, cut) => {
        const bytes = GetUserStatusResponse.encode(response).finish();
        if (bytes.length === 0) return;
        const prefix = bytes.subarray(0, cut % bytes.length);
        const kind = kindOf(() => decodeGetUserStatusResponse(prefix));
        if (kind === "ok") expect(decodeGetUserStatusResponse(prefix)).toStrictEqual(GetUserStatusResponse.decode(prefix));
        else expect(["truncated", "length-out-of-range"]).toContain(kind);
      }),
      RUNS,
    );
  });
});
