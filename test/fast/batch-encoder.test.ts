import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { Platform, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { EncodeError } from "../../src/codec/errors.js";
import { StatusBatchEncoder, type StatusFrame } from "../../bench/alternatives/batch-encoder.js";
import { getUserStatusResponse, statusFrame, userStatusChanged } from "../support/arbitraries.js";

const RUNS = { numRuns: 400 };

// Owned copies of what the single-pass encoder writes, from a fresh encoder with a 1-byte buffer (so every write grows it).
const encodeGetUserStatusResponse = (response: GetUserStatusResponse) => written(new StatusBatchEncoder(1), (e) => e.writeGetUserStatusResponse(response));
const encodeUserStatusChanged = (notification: UserStatusChangedNotification) => written(new StatusBatchEncoder(1), (e) => e.writeUserStatusChanged(notification));
const encodeStatusFrame = (frame: StatusFrame) => written(new StatusBatchEncoder(1), (e) => e.writeFrame(frame));

function written(encoder: StatusBatchEncoder, write: (encoder: StatusBatchEncoder) => number): Uint8Array {
  const length = write(encoder); // first: the write may replace the buffer
  return encoder.buffer.slice(0, length);
}

function status(overrides: Partial<UserStatus> = {}): UserStatus {
  return {
    userId: "u1",
    statusType: 1,
    customStatus: "",
    onlineDevices: [],
    version: 1n,
    changedAtMs: 1_750_000_000_000n,
    reason: 1,
    epoch: 0n,
    _unknownFields: {},
    ...overrides,
  };
}

describe("single-pass encoder is byte-identical to ts-proto", () => {
  it("GetUserStatusResponse (into a tiny growing buffer, and into one reused encoder)", () => {
    const reused = new StatusBatchEncoder();
    fc.assert(
      fc.property(getUserStatusResponse, (response) => {
        const expected = GetUserStatusResponse.encode(response).finish();
        expect(encodeGetUserStatusResponse(response)).toEqual(expected);
        expect(written(reused, (e) => e.writeGetUserStatusResponse(response))).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("UserStatusChangedNotification", () => {
    fc.assert(
      fc.property(userStatusChanged, (notification) => {
        const expected = UserStatusChangedNotification.encode(notification).finish();
        expect(encodeUserStatusChanged(notification)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("Frame carrying either batch", () => {
    fc.assert(
      fc.property(statusFrame, (frame) => {
        const expected = Frame.encode(frame).finish();
        expect(encodeStatusFrame(frame)).toEqual(expected);
      }),
      RUNS,
    );
  });

  it("500 statuses: body length guesses too wide (tiny entries) and too narrow (one huge entry)", () => {
    const tiny: GetUserStatusResponse = { statuses: Array.from({ length: 500 }, () => status({ userId: "", version: 0n, changedAtMs: 0n })), errors: [], _unknownFields: {} };
    const huge: GetUserStatusResponse = { statuses: [status({ customStatus: "中".repeat(3000) })], errors: [], _unknownFields: {} };
    const full: GetUserStatusResponse = {
      statuses: Array.from({ length: 500 }, (_, i) => status({ userId: `user_${i}`, customStatus: i % 2 ? "在开会🎉" : "", version: BigInt(i) })),
      errors: [{ userId: "gone", code: 70107, message: "account not found", _unknownFields: {} }],
      _unknownFields: {},
    };
    const encoder = new StatusBatchEncoder(16);
    for (const response of [tiny, huge, full]) {
      for (const requestId of [0, 7, 2 ** 32 - 1]) {
        const frame: StatusFrame = { requestId, body: { $case: "getUserStatusResponse", value: response }, _unknownFields: {} };
        expect(written(encoder, (e) => e.writeFrame(frame))).toEqual(Frame.encode(frame).finish());
        const push: StatusFrame = { requestId, body: { $case: "userStatusChanged", value: { statuses: response.statuses } }, _unknownFields: {} };
        expect(written(encoder, (e) => e.writeFrame(push))).toEqual(Frame.encode(push).finish());
      }
    }
  });

  it("unknown fields early in an entry do not eat the room reserved for the fields after them", () => {
    const bulky = { 1234: [new Uint8Array(300).fill(0x80).fill(1, 299)] };
    const notification: UserStatusChangedNotification = {
      statuses: [
        status({
          onlineDevices: [
            { deviceId: "d1", platform: -1, _unknownFields: bulky },
            { deviceId: "中".repeat(60), platform: -1, _unknownFields: {} },
          ],
          version: 2n ** 64n - 1n,
          changedAtMs: -1n,
          reason: -1,
          _unknownFields: bulky,
        }),
      ],
    };
    expect(encodeUserStatusChanged(notification)).toEqual(UserStatusChangedNotification.encode(notification).finish());
  });

  it("writes lone surrogates as U+FFFD, so the output is valid UTF-8", () => {
    const bytes = encodeUserStatusChanged({ statuses: [status({ userId: "a\uD83Db", customStatus: "\uDE00" })] });
    expect(Buffer.from(bytes).includes(Buffer.from([0xef, 0xbf, 0xbd]))).toBe(true);
    // The userId field: tag, length 5, "a", EF BF BD, "b".
    expect(Array.from(bytes.subarray(2, 9))).toEqual([0x0a, 5, 0x61, 0xef, 0xbf, 0xbd, 0x62]);
    expect(() => new TextDecoder("utf-8", { fatal: true }).decode(bytes.subarray(4, 9))).not.toThrow();
  });
});

describe("buffer ownership", () => {
  it("write* returns the length of the bytes at the start of `buffer`, overwritten by the next call", () => {
    const encoder = new StatusBatchEncoder(1);
    const response: GetUserStatusResponse = { statuses: [status()], errors: [], _unknownFields: {} };
    const length = encoder.writeGetUserStatusResponse(response);
    const view = encoder.buffer.subarray(0, length);
    expect(view).toEqual(GetUserStatusResponse.encode(response).finish());
    encoder.writeGetUserStatusResponse({ ...response, statuses: [status({ userId: "u2" })] });
    expect(view).not.toEqual(GetUserStatusResponse.encode(response).finish());
  });
});

describe("values out of range are rejected with EncodeError, as ts-proto rejects them", () => {
  const cases: [string, UserStatus][] = [
    ["negative uint64 version", status({ version: -1n })],
    ["uint64 version above 2^64 - 1", status({ version: 2n ** 64n })],
    ["int64 changedAtMs above 2^63 - 1", status({ changedAtMs: 2n ** 63n })],
    ["int64 changedAtMs below -2^63", status({ changedAtMs: -(2n ** 63n) - 1n })],
    ["fractional statusType", status({ statusType: 1.5 as UserStatus["statusType"] })],
    ["reason above int32", status({ reason: 2 ** 31 })],
    ["version as a number", status({ version: 5 as unknown as bigint })],
    ["negative uint64 epoch", status({ epoch: -1n })],
    ["uint64 epoch above 2^64 - 1", status({ epoch: 2n ** 64n })],
    ["epoch as a number", status({ epoch: 5 as unknown as bigint })],
    ["onlineDevices not an array", status({ onlineDevices: undefined as unknown as [] })],
    ["NaN reason", status({ reason: NaN })],
    ["fractional platform", status({ onlineDevices: [{ deviceId: "d", platform: 2.5 as Platform, _unknownFields: {} }] })],
    ["bigint statusType", status({ statusType: 1n as unknown as UserStatus["statusType"] })],
    ["symbol reason", status({ reason: Symbol("r") as unknown as number })],
  ];
  it.each(cases)("%s", (_, bad) => {
    const notification = { statuses: [bad] };
    expect(() => UserStatusChangedNotification.encode(notification).finish()).toThrow();
    // The typed error, not a TypeError from the arithmetic on the value.
    expect(() => encodeUserStatusChanged(notification)).toThrow(EncodeError);
  });

  it("an enum given as a numeric string (ts-proto coerces it; the fast path does not guess)", () => {
    const bad = status({ statusType: "1" as unknown as UserStatus["statusType"] });
    expect(() => encodeUserStatusChanged({ statuses: [bad] })).toThrow("UserStatus.statusType must be an int32, got 1");
  });

  it("names the field and the value in the message", () => {
    expect(() => encodeUserStatusChanged({ statuses: [status({ reason: 2 ** 31 })] })).toThrow(
      "UserStatus.reason must be an int32, got 2147483648",
    );
    expect(() => encodeUserStatusChanged({ statuses: [status({ version: -1n })] })).toThrow("UserStatus.version must be a uint64 bigint, got -1");
  });

  it("enum values outside 0-127 are written as ts-proto writes them (negative: 10 bytes; -0 omitted like 0)", () => {
    for (const value of [-1, 128, 2 ** 31 - 1, -(2 ** 31), -0]) {
      const notification = { statuses: [status({ statusType: value as UserStatus["statusType"], reason: value })] };
      expect(encodeUserStatusChanged(notification)).toEqual(UserStatusChangedNotification.encode(notification).finish());
    }
  });

  it("a device without deviceId (ts-proto would write the text \"undefined\")", () => {
    const bad = status({ onlineDevices: [{ platform: 1 } as unknown as UserStatus["onlineDevices"][number]] });
    expect(() => encodeUserStatusChanged({ statuses: [bad] })).toThrow(EncodeError);
  });

  it("request id outside uint32", () => {
    const frame: StatusFrame = { requestId: -1, body: { $case: "userStatusChanged", value: { statuses: [] } } };
    expect(() => Frame.encode(frame).finish()).toThrow();
    expect(() => encodeStatusFrame(frame)).toThrow(EncodeError);
    expect(() => encodeStatusFrame({ ...frame, requestId: 1n as unknown as number })).toThrow(EncodeError);
  });

  it("a frame with another body kind", () => {
    const frame = { requestId: 1, body: { $case: "ping", value: { clientTimeMs: 1n } } } as unknown as StatusFrame;
    expect(() => encodeStatusFrame(frame)).toThrow(EncodeError);
  });

  it("the encoder is usable after a rejected message", () => {
    const encoder = new StatusBatchEncoder();
    expect(() => encoder.writeUserStatusChanged({ statuses: [status({ version: -1n })] })).toThrow(EncodeError);
    const good = { statuses: [status()] };
    expect(written(encoder, (e) => e.writeUserStatusChanged(good))).toEqual(UserStatusChangedNotification.encode(good).finish());
  });

  // The documented EncodeError, not a TypeError from reading a field of the entry.
  it.each([null, undefined])("a %s entry in statuses, errors or onlineDevices", (missing) => {
    const entry = missing as unknown as UserStatus;
    expect(() => encodeUserStatusChanged({ statuses: [status(), entry] })).toThrow("a statuses entry must be a UserStatus object");
    expect(() => encodeGetUserStatusResponse({ statuses: [entry], errors: [] })).toThrow(EncodeError);
    const errors = [missing] as unknown as GetUserStatusResponse["errors"];
    expect(() => encodeGetUserStatusResponse({ statuses: [], errors })).toThrow("a GetUserStatusResponse.errors entry must be a UserError object");
    const onlineDevices = [{ deviceId: "d", platform: 1, _unknownFields: {} }, missing] as unknown as UserStatus["onlineDevices"];
    expect(() => encodeUserStatusChanged({ statuses: [status({ onlineDevices })] })).toThrow("a UserStatus.onlineDevices entry must be a Device object");
  });

  it("a user id that is not a string", () => {
    const bad = status({ userId: 7 as unknown as string });
    expect(() => encodeUserStatusChanged({ statuses: [bad] })).toThrow("UserStatus.userId must be a string, got 7");
  });
});
