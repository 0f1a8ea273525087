// The server's frame encoder (fast path + entry cache) against the generated codec.
import fc from "fast-check";
import { expect, it } from "vitest";
import { EncodeError } from "../../src/codec/errors.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";
import { FrameEncoder } from "../../src/server/frame-encoder.js";
import { statusFrame } from "../support/arbitraries.js";

const MAX = 1 << 24;
// The engine never puts one user twice in a frame, and a user's bytes change only with its version.
const engineLike = statusFrame.filter((frame) => {
  const ids = frame.body.value.statuses.map((s) => s.userId);
  return new Set(ids).size === ids.length;
});

it("writes the same bytes as the generated codec, on a cache miss and on a hit", () => {
  fc.assert(
    fc.property(engineLike, (frame) => {
      const encoder = new FrameEncoder(8);
      const expected = encodeFrame(frame, { maxFrameBytes: MAX });
      expect(encoder.encode(frame, MAX)).toEqual(expected);
      expect(encoder.encode(frame, MAX)).toEqual(expected);
    }),
    { numRuns: 200 },
  );
});

it("re-encodes a user's entry when its version changes", () => {
  const encoder = new FrameEncoder();
  const status = { userId: "alice", statusType: 1, customStatus: "a", onlineDevices: [], version: 1n, changedAtMs: 5n, reason: 5, epoch: 0n, _unknownFields: {} };
  const frame = (s: typeof status) => ({ requestId: 0, body: { $case: "userStatusChanged" as const, value: { statuses: [s], _unknownFields: {} } }, _unknownFields: {} });
  encoder.encode(frame(status), MAX);
  const changed = { ...status, customStatus: "b", version: 2n };
  expect(encoder.encode(frame(changed), MAX)).toEqual(encodeFrame(frame(changed)));
});

it("refuses a frame over the maximum size with EncodeError", () => {
  const encoder = new FrameEncoder();
  const statuses = Array.from({ length: 50 }, (_, i) => ({ userId: `user-${i}`, statusType: 1, customStatus: "x".repeat(90), onlineDevices: [], version: 1n, changedAtMs: 1n, reason: 1, epoch: 0n, _unknownFields: {} }));
  const frame = { requestId: 3, body: { $case: "getUserStatusResponse" as const, value: { statuses, errors: [], _unknownFields: {} } }, _unknownFields: {} };
  expect(() => encoder.encode(frame, 1024)).toThrow(/exceeds 1024/);
});

it("encodes a change once for all its receivers: the same status object gives the same bytes, those of the generated codec", () => {
  fc.assert(
    fc.property(engineLike, (frame) => {
      const [status] = frame.body.value.statuses;
      if (!status) return;
      const encoder = new FrameEncoder();
      const notification = () => ({ requestId: 0, body: { $case: "userStatusChanged" as const, value: { statuses: [status], _unknownFields: {} } }, _unknownFields: {} });
      const first = encoder.encode(notification(), MAX);
      expect(first).toEqual(encodeFrame(notification(), { maxFrameBytes: MAX }));
      expect(encoder.encode(notification(), MAX)).toBe(first);
      // Another object with another version is encoded anew.
      const next = { ...status, version: status.version ^ 1n };
      const other = { requestId: 0, body: { $case: "userStatusChanged" as const, value: { statuses: [next], _unknownFields: {} } }, _unknownFields: {} };
      expect(encoder.encode(other, MAX)).toEqual(encodeFrame(other, { maxFrameBytes: MAX }));
    }),
    { numRuns: 200 },
  );
});

it("still refuses a shared notification over a smaller maximum", () => {
  const encoder = new FrameEncoder();
  const status = { userId: "alice", statusType: 1, customStatus: "x".repeat(90), onlineDevices: [], version: 1n, changedAtMs: 5n, reason: 5, epoch: 0n, _unknownFields: {} };
  const frame = { requestId: 0, body: { $case: "userStatusChanged" as const, value: { statuses: [status], _unknownFields: {} } }, _unknownFields: {} };
  encoder.encode(frame, MAX);
  expect(() => encoder.encode(frame, 50)).toThrow(/exceeds 50/);
});

// A connection's pending statuses: users may repeat (one changed twice in a turn), each version newer.
const pending = fc.array(fc.tuple(statusFrame, fc.nat(3)), { maxLength: 6 }).map((picks) => {
  let version = 1n;
  return picks.flatMap(([frame, user]) => frame.body.value.statuses.map((status) => ({ ...status, userId: `user-${user}`, version: version++ })));
});

it("splices a connection's notifications into as few frames as the maximum and one-user-per-frame allow, each the generated codec's bytes, statuses in order", () => {
  fc.assert(
    fc.property(pending, fc.integer({ min: 64, max: 4096 }), (statuses, maxFrameBytes) => {
      const encoder = new FrameEncoder(8);
      const separate = statuses.map((status) => encodeFrame({ requestId: 0, body: { $case: "userStatusChanged", value: { statuses: [status] } } }));
      if (separate.some((bytes) => bytes.length > maxFrameBytes)) {
        expect(() => encoder.encodeNotifications(statuses, maxFrameBytes)).toThrow(EncodeError);
        return;
      }
      const statusesIn = (f: ReturnType<typeof decodeFrame>) => (f.body?.$case === "userStatusChanged" ? f.body.value.statuses : []);
      // As plain bytes: the encoder's are Buffers from Node's pool, which toEqual tells apart.
      const frames = encoder.encodeNotifications(statuses, maxFrameBytes).map((bytes) => new Uint8Array(bytes));
      const decoded = frames.map((bytes) => decodeFrame(bytes, { maxFrameBytes }));
      // What separate frames would have carried, as the generated codec decodes them.
      expect(decoded.flatMap(statusesIn)).toEqual(separate.flatMap((bytes) => statusesIn(decodeFrame(bytes))));
      for (const [i, f] of decoded.entries()) {
        expect(f.requestId).toBe(0);
        expect(frames[i]).toEqual(encodeFrame(f));
        expect(frames[i]!.length).toBeLessThanOrEqual(maxFrameBytes);
        const users = statusesIn(f).map((status) => status.userId);
        expect(new Set(users).size).toBe(users.length);
        // As few as the rules allow: the next frame's first status would not have fitted in this one.
        const next = decoded[i + 1];
        if (next) {
          const joined = { requestId: 0, body: { $case: "userStatusChanged" as const, value: { statuses: [...statusesIn(f), statusesIn(next)[0]!] } } };
          expect(users.includes(statusesIn(next)[0]!.userId) || encodeFrame(joined).length > maxFrameBytes).toBe(true);
        }
      }
      if (statuses.length === 0) expect(frames).toEqual([]);
    }),
    { numRuns: 300 },
  );
});
