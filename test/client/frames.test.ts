// The client's frame codec decodes exactly as src/codec's decodeFrame does, including
// bytes whose non-repeated message fields arrive more than once and must merge.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { file_presence_v1_frame } from "../../generated/es/presence/v1/frame_pb.js";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { decodeFrame, encodeFrame, FRAME_ONEOFS } from "../../src/client/frames.js";
import { DecodeError, EncodeError } from "../../src/codec/errors.js";
import { decodeFrame as codecDecodeFrame, encodeFrame as codecEncodeFrame } from "../../src/codec/messages.js";
import { SPEC_LIMITS } from "../../src/protocol/index.js";
import { frame, statusFrame } from "../support/arbitraries.js";

const MAX = SPEC_LIMITS.maxFrameBytes;
const hex = (text: string) => Uint8Array.from(Buffer.from(text, "hex"));
const concat = (parts: Uint8Array[]) => Uint8Array.from(parts.flatMap((part) => [...part]));

describe("the client's frame codec", () => {
  it("merges a body that arrives twice, as protoc does", () => {
    const query = decodeFrame(hex("32050a030a016132050a030a0162"), MAX);
    const pushed = decodeFrame(hex("22050a030a016122050a030a0162"), MAX);
    for (const decoded of [query, pushed]) {
      expect(decoded.body?.value).toMatchObject({ statuses: [{ userId: "a" }, { userId: "b" }] });
    }
  });

  it("decodes concatenated frames (merges, oneof switches, unknown fields) as decodeFrame does", () => {
    const anyFrame = fc.oneof(frame, statusFrame);
    fc.assert(
      fc.property(fc.array(anyFrame, { minLength: 1, maxLength: 3 }), (frames) => {
        const bytes = concat(frames.map((each) => Frame.encode(each).finish()));
        expect(decodeFrame(bytes, Number.MAX_SAFE_INTEGER)).toEqual(codecDecodeFrame(bytes, { maxFrameBytes: Number.MAX_SAFE_INTEGER }));
      }),
      { numRuns: 300 },
    );
  });

  it("encodes as encodeFrame does", () => {
    fc.assert(
      fc.property(frame, (each) => {
        expect(encodeFrame(each, MAX)).toEqual(codecEncodeFrame(each));
      }),
      { numRuns: 100 },
    );
  });

  it("refuses frames over the limit and malformed bytes with typed errors", () => {
    const ping = encodeFrame({ requestId: 1, body: { $case: "ping", value: { clientTimeMs: 0n } } }, MAX);
    expect(() => encodeFrame({ requestId: 1, body: { $case: "ping", value: { clientTimeMs: 0n } } }, ping.length - 1)).toThrow(EncodeError);
    expect(() => decodeFrame(ping, ping.length - 1)).toThrow(expect.objectContaining({ kind: "frame-too-large" }));
    expect(() => decodeFrame(hex("0801120a"), MAX)).toThrow(DecodeError);
  });

  it("knows every oneof of presence.v1 (only Frame.body)", () => {
    const declared: Record<string, number[][]> = {};
    const visit = (messages: typeof file_presence_v1_frame.messages) => {
      for (const message of messages) {
        if (message.oneofs.length > 0) declared[message.typeName] = message.oneofs.map((oneof) => oneof.fields.map((field) => field.number));
        visit(message.nestedMessages);
      }
    };
    const files = new Set([file_presence_v1_frame]);
    for (const file of files) for (const dependency of file.dependencies) files.add(dependency);
    for (const file of files) visit(file.messages);
    expect(declared).toEqual(FRAME_ONEOFS);
  });
});
