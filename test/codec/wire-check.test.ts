// Unit tests of the strict wire check (src/codec/wire-check.ts) and of what
// the decoders built on it do with nesting, unknown fields, groups, wire type
// changes and repeated message fields.
import { describe, expect, it } from "vitest";
import { WIRE_SCHEMA } from "../../src/protocol/index.js";
import { DecodeError } from "../../src/codec/errors.js";
import { toCanonicalJson } from "../../src/codec/json.js";
import { decodeMessage, encodeMessage } from "../../src/codec/messages.js";
import { ReflectionCodec } from "../../src/codec/reflect.js";
import { checkWire, dropMismatchedFields, MAX_NESTING_DEPTH, type WireSchema } from "../../src/codec/wire-check.js";
import { parseHex, toHex } from "../../scripts/vectors/hex.js";

const hex = parseHex;

function decodeErrorOf(fn: () => unknown): DecodeError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(DecodeError);
    return error as DecodeError;
  }
  throw new Error("expected a DecodeError");
}

function varint(value: number): number[] {
  const out: number[] = [];
  for (; value >= 0x80; value = Math.floor(value / 128)) out.push((value & 0x7f) | 0x80);
  out.push(value);
  return out;
}

describe("nesting depth", () => {
  // A recursive schema: the real one nests only 4 deep.
  const RECURSIVE: WireSchema = { "t.Node": { 1: { name: "child", kind: "message", message: "t.Node" }, 2: { name: "label", kind: "string" } } };

  function nested(levels: number): Uint8Array {
    let inner: number[] = [0x12, 0x01, 0x78]; // label "x" in the innermost node
    for (let i = 0; i < levels; i++) inner = [0x0a, ...varint(inner.length), ...inner];
    return Uint8Array.from(inner);
  }

  it(`accepts ${MAX_NESTING_DEPTH} nested messages and rejects one more as too-deep`, () => {
    expect(MAX_NESTING_DEPTH).toBe(64);
    expect(() => checkWire(nested(MAX_NESTING_DEPTH), RECURSIVE, "t.Node")).not.toThrow();
    expect(decodeErrorOf(() => checkWire(nested(MAX_NESTING_DEPTH + 1), RECURSIVE, "t.Node")).kind).toBe("too-deep");
  });

  it("checks UTF-8 at every depth it accepts", () => {
    const bytes = nested(MAX_NESTING_DEPTH);
    bytes[bytes.length - 1] = 0xff; // the innermost label
    const error = decodeErrorOf(() => checkWire(bytes, RECURSIVE, "t.Node"));
    expect(error.kind).toBe("invalid-utf8");
    expect(error.offset).toBe(bytes.length - 1);
  });

  it(`accepts ${MAX_NESTING_DEPTH} nested unknown groups in a Frame and rejects ${MAX_NESTING_DEPTH + 1}`, () => {
    const groups = (n: number): Uint8Array => Uint8Array.from([...Array<number[]>(n).fill([0x93, 0x03]).flat(), ...Array<number[]>(n).fill([0x94, 0x03]).flat()]);
    expect(decodeMessage("Frame", groups(MAX_NESTING_DEPTH))).toMatchObject({ requestId: 0, body: undefined });
    expect(decodeErrorOf(() => decodeMessage("Frame", groups(MAX_NESTING_DEPTH + 1))).kind).toBe("too-deep");
  });
});

describe("unknown fields", () => {
  it("are kept by the ts-proto round trip, byte for byte when they follow the known fields in order", () => {
    // UserStatus { user_id "u", 99: varint 5, 100: "x" } then Device-level unknowns inside online_devices.
    const bytes = hex("0a 01 75  22 05 0a 01 64 18 01  98 06 05  a2 06 01 78");
    const decoded = decodeMessage("UserStatus", bytes);
    expect(decoded.userId).toBe("u");
    expect(decoded.onlineDevices[0]?.deviceId).toBe("d");
    expect(toHex(encodeMessage("UserStatus", decoded))).toBe(toHex(bytes));
  });

  it("are moved after the known fields when they came first (same message, other bytes)", () => {
    const bytes = hex("98 06 05  0a 01 75");
    expect(toHex(encodeMessage("UserStatus", decodeMessage("UserStatus", bytes)))).toBe("0a017598" + "0605");
  });

  it("are dropped from canonical JSON and by the reflection codec", () => {
    const bytes = hex("0a 01 75  98 06 05");
    expect(toCanonicalJson("UserStatus", bytes)).toEqual({ userId: "u" });
    expect(ReflectionCodec.load().decode("UserStatus", bytes)).toEqual({ userId: "u" });
  });

  it("are not checked as UTF-8 (an unknown length-delimited field may be bytes)", () => {
    expect(decodeMessage("UserStatus", hex("a2 06 02 ff fe")).userId).toBe("");
  });
});

describe("groups in unknown fields", () => {
  // Frame { request_id 2, [group 50 { 1: 1, group 51 { 2: "x" } }], ping { client_time_ms 7 } }
  const bytes = hex("08 02  93 03 08 01 9b 03 12 01 78 9c 03 94 03  12 02 08 07");

  it("are skipped as a unit: the fields after the group are read", () => {
    const frame = decodeMessage("Frame", bytes);
    expect(frame.requestId).toBe(2);
    expect(frame.body).toEqual({ $case: "ping", value: { clientTimeMs: 7n, _unknownFields: {} } });
    expect(toCanonicalJson("Frame", bytes)).toEqual({ requestId: 2, ping: { clientTimeMs: "7" } });
  });

  it("are kept whole by the ts-proto round trip (moved after the known fields)", () => {
    expect(toHex(encodeMessage("Frame", decodeMessage("Frame", bytes)))).toBe(toHex(hex("08 02  12 02 08 07  93 03 08 01 9b 03 12 01 78 9c 03 94 03")));
  });

  it("are not confused by an end tag inside a length-delimited field of the group", () => {
    // group 50 { 2: bytes "94 03" } : the bytes look like the group's end tag but are data.
    const tricky = hex("93 03 12 02 94 03 94 03 08 05");
    expect(decodeMessage("Frame", tricky).requestId).toBe(5);
  });

  it("must be closed by their own field's end tag", () => {
    expect(decodeErrorOf(() => decodeMessage("Frame", hex("93 03 9c 03"))).kind).toBe("bad-wire-type");
    expect(decodeErrorOf(() => decodeMessage("Frame", hex("93 03 08 01"))).kind).toBe("truncated");
  });
});

describe("known field numbers with another wire type", () => {
  // UserStatus: field 1 as a varint, field 5 as fixed64, then user_id "u".
  const bytes = hex("08 05  29 01 00 00 00 00 00 00 00  0a 01 75");

  it("are reported by checkWire and treated as unknown fields", () => {
    expect(checkWire(bytes, WIRE_SCHEMA, "presence.v1.UserStatus")).toEqual({ wireTypeMismatch: true, repeatedMessageField: false });
    const decoded = decodeMessage("UserStatus", bytes);
    expect(decoded.userId).toBe("u");
    expect(decoded.version).toBe(0n);
  });

  it("are removed by dropMismatchedFields, nested lengths rewritten", () => {
    expect(toHex(dropMismatchedFields(bytes, WIRE_SCHEMA, "presence.v1.UserStatus"))).toBe("0a0175");
    // Frame { user_status_changed { statuses { <bytes> } } }
    const nested = Uint8Array.from([0x22, bytes.length + 2, 0x0a, bytes.length, ...bytes]);
    expect(toHex(dropMismatchedFields(nested, WIRE_SCHEMA, "presence.v1.Frame"))).toBe("2205" + "0a03" + "0a0175");
  });

  it("do not break canonical JSON (which @bufbuild/protobuf alone would misread)", () => {
    expect(toCanonicalJson("UserStatus", bytes)).toEqual({ userId: "u" });
  });
});

describe("a non-repeated message field sent twice", () => {
  it("is reported by checkWire, and decodeMessage merges the parts", () => {
    // LoginResponse { self_status { user_id "a" } } + { self_status { version 5 } }
    const bytes = hex("1a 03 0a 01 61  1a 02 28 05");
    expect(checkWire(bytes, WIRE_SCHEMA, "presence.v1.LoginResponse").repeatedMessageField).toBe(true);
    const decoded = decodeMessage("LoginResponse", bytes);
    expect(decoded.selfStatus?.userId).toBe("a");
    expect(decoded.selfStatus?.version).toBe(5n);
  });

  it("keeps unknown fields through the merge", () => {
    // Frame { ping { 1: 1 } ; ping { 99: 5 } }
    const bytes = hex("12 02 08 01  12 03 98 06 05");
    const reencoded = encodeMessage("Frame", decodeMessage("Frame", bytes));
    expect(toHex(reencoded)).toBe("1205" + "0801" + "980605");
  });

  it("is not reported for repeated fields or canonical bytes", () => {
    const twoStatuses = hex("0a 03 0a 01 61  0a 03 0a 01 62");
    expect(checkWire(twoStatuses, WIRE_SCHEMA, "presence.v1.UserStatusChangedNotification")).toEqual({
      wireTypeMismatch: false,
      repeatedMessageField: false,
    });
  });
});

describe("DecodeError", () => {
  it("reports the offset of the first bad byte and maps to the spec's error codes", () => {
    const error = decodeErrorOf(() => decodeMessage("LoginRequest", hex("0a 01 61 12 02 c0 80")));
    expect(error.kind).toBe("invalid-utf8");
    expect(error.offset).toBe(5);
    expect(error.code).toBe(72107); // ERROR_CODE_MALFORMED_FRAME
    expect(new DecodeError("frame-too-large", "x").code).toBe(72106); // ERROR_CODE_FRAME_TOO_LARGE
  });
});
