// Unit tests of src/protocol/validate.ts. Error codes are written as the numbers
// the spec gives them (errors.proto), not through the generated enum.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { ProtocolError } from "../../src/codec/errors.js";
import { validateRequest } from "../../src/protocol/validate.js";
import { utf8Length } from "../../src/wire/utf8.js";
import { anyText } from "../support/arbitraries.js";

const INVALID_BATCH_COUNT = 70206;
const INVALID_PARAMETERS = 70402;
const CANNOT_SUBSCRIBE_SELF = 72102;
const UNSUPPORTED_BODY = 72108;

type Body = NonNullable<Frame["body"]>;
const request = (body: Body | undefined, requestId = 7): Frame => Frame.fromPartial({ requestId, body });
const ids = (count: number, prefix = "user"): string[] => Array.from({ length: count }, (_, i) => `${prefix}-${i}`);
const codeOf = (frame: Frame, userId?: string): number | undefined => validateRequest(frame, userId === undefined ? {} : { userId })?.code;

// 33 three-byte CJK characters and one ASCII character; 25 four-byte emoji.
const CJK_100 = "在开会，请稍后联系我。下午三点以后有空，可以打电话或视频沟通，谢谢!";
const EMOJI_100 = "🎧🎵🎶🎸🎹🎺🎻🥁🎤🎼🌙🌟🌈🍀🍎🍵🚀🚲🏖🏔🐱🐶🐼🦊🦉";

describe("utf8Length", () => {
  it("matches TextEncoder (lone surrogates count as the 3 bytes of U+FFFD)", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        expect(utf8Length(text)).toBe(new TextEncoder().encode(text).length);
      }),
      { numRuns: 300 },
    );
  });

  it("counts the test strings as 100 bytes", () => {
    expect(new TextEncoder().encode(CJK_100).length).toBe(100);
    expect(new TextEncoder().encode(EMOJI_100).length).toBe(100);
    expect(utf8Length(CJK_100)).toBe(100);
    expect(utf8Length(EMOJI_100)).toBe(100);
  });
});

describe("validateRequest", () => {
  describe("GetUserStatusRequest", () => {
    it("accepts 1 and 500 ids", () => {
      expect(codeOf(request({ $case: "getUserStatusRequest", value: { userIds: ids(1) } }))).toBeUndefined();
      expect(codeOf(request({ $case: "getUserStatusRequest", value: { userIds: ids(500) } }))).toBeUndefined();
    });

    it("rejects 501 ids and 0 ids with ERROR_CODE_INVALID_BATCH_COUNT (70206)", () => {
      const error = validateRequest(request({ $case: "getUserStatusRequest", value: { userIds: ids(501) } }));
      expect(error).toBeInstanceOf(ProtocolError);
      expect(error?.code).toBe(INVALID_BATCH_COUNT);
      expect(codeOf(request({ $case: "getUserStatusRequest", value: { userIds: [] } }))).toBe(INVALID_BATCH_COUNT);
    });

    it("rejects an empty id and a 129-byte id with ERROR_CODE_INVALID_PARAMETERS, accepts 128 bytes", () => {
      expect(codeOf(request({ $case: "getUserStatusRequest", value: { userIds: ["a", ""] } }))).toBe(INVALID_PARAMETERS);
      expect(codeOf(request({ $case: "getUserStatusRequest", value: { userIds: ["é".repeat(64) + "x"] } }))).toBe(INVALID_PARAMETERS);
      expect(codeOf(request({ $case: "getUserStatusRequest", value: { userIds: ["é".repeat(64)] } }))).toBeUndefined();
    });

    it("refuses exactly the ids over 128 bytes of UTF-8, whatever their text", () => {
      fc.assert(
        fc.property(fc.oneof(anyText, fc.string({ minLength: 40, maxLength: 140 }), fc.string({ unit: "binary", minLength: 30, maxLength: 70 })), (id) => {
          const code = codeOf(request({ $case: "getUserStatusRequest", value: { userIds: [id] } }));
          expect(code).toBe(id === "" || utf8Length(id) > 128 ? INVALID_PARAMETERS : undefined);
        }),
        { numRuns: 500 },
      );
    });

    it("follows limits from the context instead of the spec's", () => {
      const frame = request({ $case: "getUserStatusRequest", value: { userIds: ids(3) } });
      const limits = { maxQueryUsers: 2, maxSubscribeUsersPerCall: 100, maxUnsubscribeUsersPerCall: 100, maxCustomStatusBytes: 100, maxUserIdBytes: 128 };
      expect(validateRequest(frame, { limits })?.code).toBe(INVALID_BATCH_COUNT);
    });
  });

  describe("SetSelfStatusRequest", () => {
    const setStatus = (customStatus: string): Frame => request({ $case: "setSelfStatusRequest", value: { customStatus } });

    it("accepts 100 bytes of CJK or emoji, and the empty string (clear)", () => {
      expect(codeOf(setStatus(CJK_100))).toBeUndefined();
      expect(codeOf(setStatus(EMOJI_100))).toBeUndefined();
      expect(codeOf(setStatus(""))).toBeUndefined();
    });

    it("rejects 101 bytes with ERROR_CODE_INVALID_PARAMETERS (70402)", () => {
      expect(codeOf(setStatus(`${CJK_100}a`))).toBe(INVALID_PARAMETERS);
      expect(codeOf(setStatus(`${EMOJI_100}a`))).toBe(INVALID_PARAMETERS);
      expect(codeOf(setStatus("a".repeat(101)))).toBe(INVALID_PARAMETERS);
      // Only 50 UTF-16 code units, but 101 bytes: the limit is in bytes.
      expect(`${EMOJI_100}a`.length).toBe(51);
    });

    it("counts a lone surrogate as the 3 bytes it is encoded as (U+FFFD)", () => {
      expect(codeOf(setStatus("\ud800".repeat(33) + "a"))).toBeUndefined(); // 100 bytes
      expect(codeOf(setStatus("\ud800".repeat(33) + "ab"))).toBe(INVALID_PARAMETERS); // 101 bytes
    });
  });

  describe("SubscribeUserStatusRequest", () => {
    const subscribe = (userIds: string[]): Frame => request({ $case: "subscribeUserStatusRequest", value: { userIds } });

    it("rejects subscribing to yourself with ERROR_CODE_CANNOT_SUBSCRIBE_SELF (72102)", () => {
      expect(codeOf(subscribe(["bob", "alice"]), "alice")).toBe(CANNOT_SUBSCRIBE_SELF);
      expect(codeOf(subscribe(["bob", "carol"]), "alice")).toBeUndefined();
    });

    it("accepts 100 ids, rejects 101 and 0 with ERROR_CODE_INVALID_BATCH_COUNT", () => {
      expect(codeOf(subscribe(ids(100)), "alice")).toBeUndefined();
      expect(codeOf(subscribe(ids(101)), "alice")).toBe(INVALID_BATCH_COUNT);
      expect(codeOf(subscribe([]), "alice")).toBe(INVALID_BATCH_COUNT);
    });
  });

  describe("UnsubscribeUserStatusRequest", () => {
    const unsubscribe = (userIds: string[]): Frame => request({ $case: "unsubscribeUserStatusRequest", value: { userIds } });

    it("accepts an empty list (remove every subscription) and 100 ids", () => {
      expect(codeOf(unsubscribe([]))).toBeUndefined();
      expect(codeOf(unsubscribe(ids(100)))).toBeUndefined();
    });

    it("rejects 101 ids with ERROR_CODE_INVALID_BATCH_COUNT", () => {
      expect(codeOf(unsubscribe(ids(101)))).toBe(INVALID_BATCH_COUNT);
    });
  });

  describe("LoginRequest", () => {
    const login = (userId: string, token: string, deviceId = ""): Frame =>
      request({ $case: "loginRequest", value: { userId, token, platform: 6, deviceId, clientVersion: "web-sdk/1.4.0" } });

    it("accepts a well-formed login", () => {
      expect(codeOf(login("alice", "t0ken", "web-1"))).toBeUndefined();
    });

    it("rejects bad ids with ERROR_CODE_INVALID_PARAMETERS and leaves the token to the authenticator", () => {
      expect(codeOf(login("alice", ""))).toBeUndefined();
      expect(codeOf(login("", "t0ken"))).toBe(INVALID_PARAMETERS);
      expect(codeOf(login("a".repeat(129), "t0ken"))).toBe(INVALID_PARAMETERS);
      expect(codeOf(login("alice", "t0ken", "d".repeat(129)))).toBe(INVALID_PARAMETERS);
      expect(codeOf(login("a".repeat(128), "t0ken", "d".repeat(128)))).toBeUndefined();
    });
  });

  it("rejects request_id 0 on a request with ERROR_CODE_INVALID_PARAMETERS", () => {
    expect(codeOf(request({ $case: "ping", value: { clientTimeMs: 1n } }, 0))).toBe(INVALID_PARAMETERS);
    expect(codeOf(request({ $case: "ping", value: { clientTimeMs: 1n } }, 1))).toBeUndefined();
    expect(codeOf(request({ $case: "logoutRequest", value: {} }, 0))).toBe(INVALID_PARAMETERS);
  });

  const serverOnlyBodies: Body[] = [
    { $case: "pong", value: { clientTimeMs: 1n, serverTimeMs: 2n } },
    { $case: "userStatusChanged", value: { statuses: [] } },
    { $case: "getUserStatusResponse", value: { statuses: [], errors: [] } },
    { $case: "error", value: { code: 70500, message: "x", retryAfterMs: 0 } },
    { $case: "loginResponse", value: { limits: undefined, serverTimeMs: 0n, selfStatus: undefined, deviceId: "", friendStatuses: [] } },
    { $case: "logoutResponse", value: {} },
    { $case: "setSelfStatusResponse", value: { status: undefined } },
    { $case: "subscribeUserStatusResponse", value: { statuses: [], evictedUserIds: [], errors: [] } },
    { $case: "unsubscribeUserStatusResponse", value: { removedUserIds: [] } },
  ];

  it.each(serverOnlyBodies.map((body) => [body.$case, body] as const))(
    "rejects the server-only body %s with ERROR_CODE_UNSUPPORTED_BODY (72108)",
    (_name, body) => {
      expect(codeOf(request(body))).toBe(UNSUPPORTED_BODY);
    },
  );

  it("rejects a frame without a body with ERROR_CODE_UNSUPPORTED_BODY", () => {
    expect(codeOf(request(undefined))).toBe(UNSUPPORTED_BODY);
  });

  it("the server-only list above plus the seven client bodies is every body kind of Frame", async () => {
    const { FrameSchema } = await import("../../generated/es/presence/v1/frame_pb.js");
    const all = FrameSchema.oneofs.find((o) => o.name === "body")!.fields.map((f) => f.localName).sort();
    const client = ["loginRequest", "logoutRequest", "ping", "setSelfStatusRequest", "getUserStatusRequest", "subscribeUserStatusRequest", "unsubscribeUserStatusRequest"];
    expect([...serverOnlyBodies.map((b) => b.$case), ...client].sort()).toEqual(all);
  });
});
