// The string fast paths, length by length: the encoder's ASCII loops (four
// units a store, then one at a time, handing over to the general loop at the
// first non-ASCII unit wherever it falls in a group of four; its one-byte length
// widened from 128 bytes); the decoder's direct String.fromCharCode calls (up to 16
// ASCII bytes or 16 code units), `apply` above, TextDecoder above 64 bytes.
// Every length from 0 to 160 in each shape, against ts-proto both ways.
import { describe, expect, it } from "vitest";
import { UserStatusChangedNotification } from "../../generated/ts-proto/presence/v1/operations.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { StatusBatchEncoder } from "../../bench/alternatives/batch-encoder.js";
import { decodeUserStatusChanged } from "../../src/fast/decoder.js";

const SHAPES: [string, (n: number) => string][] = [
  ["ASCII", (n) => "abcdefghij".repeat(17).slice(0, n)],
  ["ASCII around one two-byte unit", (n) => (n === 0 ? "" : "abcdefghij".repeat(17).slice(0, n >> 1) + "é" + "x".repeat(n - 1 - (n >> 1)))],
  ["ASCII then CJK", (n) => "x".repeat(n >> 1) + "会".repeat(n - (n >> 1))],
  ["CJK then ASCII", (n) => "会".repeat(n >> 1) + "x".repeat(n - (n >> 1))],
  ["two-byte", (n) => "é".repeat(n)],
  ["emoji pairs and a lone surrogate", (n) => "🎧".repeat(n >> 1) + (n % 2 ? "\uD83D" : "")],
];

function statusWith(text: string): UserStatus {
  return {
    userId: text,
    statusType: 1,
    customStatus: text,
    onlineDevices: [{ deviceId: text, platform: 2, _unknownFields: {} }],
    version: 1n,
    changedAtMs: 1_750_000_000_000n,
    reason: 1,
    epoch: 0n,
    _unknownFields: {},
  };
}

describe.each(SHAPES)("%s strings of every length", (_, make) => {
  it("encode byte-identically and decode equal to ts-proto", () => {
    const encoder = new StatusBatchEncoder(1);
    const encodeUserStatusChanged = (notification: UserStatusChangedNotification) => {
      const length = encoder.writeUserStatusChanged(notification);
      return encoder.buffer.slice(0, length);
    };
    for (let n = 0; n <= 160; n++) {
      const notification: UserStatusChangedNotification = { statuses: [statusWith(make(n))], _unknownFields: {} };
      const expected = UserStatusChangedNotification.encode(notification).finish();
      const bytes = encodeUserStatusChanged(notification);
      expect(bytes, `length ${n}`).toEqual(expected);
      expect(decodeUserStatusChanged(bytes), `length ${n}`).toStrictEqual(UserStatusChangedNotification.decode(expected));
    }
  });
});
