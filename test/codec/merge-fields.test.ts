// Message fields that arrive more than once merge, as the protobuf encoding
// requires and ts-proto's decoders do not: decodeFrame merges them on the
// bytes. Checked against @bufbuild/protobuf, a conformant runtime that merges
// by itself.
import { fromBinary, toBinary } from "@bufbuild/protobuf";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FrameSchema } from "../../generated/es/presence/v1/frame_pb.js";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { registry } from "../../src/codec/registry.js";
import { checkWire } from "../../src/codec/wire-check.js";
import { WIRE_SCHEMA } from "../../src/protocol/index.js";
import { frame, statusFrame } from "../support/arbitraries.js";

const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));
const unlimited = { maxFrameBytes: Number.MAX_SAFE_INTEGER };
const FRAME = "presence.v1.Frame";

describe("decodeFrame merges repeated message fields", () => {
  it("merges a body that arrives twice, as protoc does", () => {
    const query = decodeFrame(hex("32050a030a016132050a030a0162"));
    const pushed = decodeFrame(hex("22050a030a016122050a030a0162"));
    for (const decoded of [query, pushed]) {
      expect(decoded.body?.value).toMatchObject({ statuses: [{ userId: "a" }, { userId: "b" }] });
    }
  });

  it("decodes concatenated frames (merges, oneof switches, unknown fields) as a conformant runtime reads them", () => {
    const anyFrame = fc.oneof(frame, statusFrame);
    fc.assert(
      // Two or three frames of one kind or another: every pair holds a repeated or rival body.
      fc.property(fc.array(anyFrame, { minLength: 2, maxLength: 3 }), (frames) => {
        const bytes = concat(frames.map((each) => Frame.encode(each).finish()));
        // @bufbuild/protobuf misreads a known field number with another wire type (docs/vectors.md); those are tested apart.
        fc.pre(!checkWire(bytes, WIRE_SCHEMA, FRAME).wireTypeMismatch);
        const conformant = Frame.decode(toBinary(FrameSchema, fromBinary(FrameSchema, bytes)));
        expect(decodeFrame(bytes, unlimited)).toEqual(conformant);
      }),
      { numRuns: 300 },
    );
  });
  it("keeps a known field number with another wire type as an unknown field through a merge, as C++ and Go do", () => {
    // Frame { ping { 1: 1 } ; 13 as fixed32 ; ping { 99: 5 } }: the two pings merge, field 13 stays unknown.
    const bytes = hex("12 02 08 01  6d 01 02 03 04  12 03 98 06 05".replaceAll(" ", ""));
    const decoded = decodeFrame(bytes);
    expect(decoded.body?.$case).toBe("ping");
    expect(Buffer.from(encodeFrame(decoded)).toString("hex")).toBe("1205" + "0801" + "980605" + "6d01020304");
  });
});

describe("the wire schema's oneofs", () => {
  it("are the descriptors' oneofs, for every message", () => {
    const declared: Record<string, Record<number, string>> = {};
    for (const message of registry) {
      if (message.kind !== "message") continue;
      for (const oneof of message.oneofs) for (const field of oneof.fields) (declared[message.typeName] ??= {})[field.number] = oneof.name;
    }
    const inSchema: Record<string, Record<number, string>> = {};
    for (const [typeName, fields] of Object.entries(WIRE_SCHEMA)) {
      for (const [number, field] of Object.entries(fields)) {
        if ("oneof" in field) (inSchema[typeName] ??= {})[Number(number)] = field.oneof;
      }
    }
    expect(inSchema).toEqual(declared);
  });
});
