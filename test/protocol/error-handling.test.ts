// The error-handling table generated from the `(presence.v1.error_handling)`
// options, and the functions the engine, server and SDK read it through.
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import {
  CLOSE_CODES,
  ERROR_HANDLING,
  clientActionFor,
  closeCodeFor,
  closesConnection,
  errorFrame,
  errorHandling,
} from "../../src/protocol/index.js";
import { decodeFrame, encodeFrame } from "../../src/codec/messages.js";

const codes = Object.values(ErrorCode).filter((value): value is ErrorCode => typeof value === "number" && value !== ErrorCode.UNRECOGNIZED);

describe("the error-handling table", () => {
  it("declares every error code but UNSPECIFIED, each context once", () => {
    for (const code of codes) {
      const cases = ERROR_HANDLING[code] ?? [];
      if (code === ErrorCode.ERROR_CODE_UNSPECIFIED) expect(cases).toEqual([]);
      else expect(cases.length, ErrorCode[code]).toBeGreaterThan(0);
      expect(new Set(cases.map((c) => c.context)).size).toBe(cases.length);
    }
    expect(Object.keys(ERROR_HANDLING).length).toBe(codes.length - 1);
  });

  it("gives a close code exactly where the connection closes, and closes on every connection error", () => {
    for (const cases of Object.values(ERROR_HANDLING)) {
      for (const handling of cases) {
        expect(handling.websocketCloseCode !== 0).toBe(handling.closesConnection);
        if (handling.context === "connection") expect(handling.closesConnection).toBe(true);
      }
    }
  });

  it("says what errors.proto's comments say", () => {
    expect(errorHandling(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT, "request")).toEqual({
      context: "request",
      closesConnection: false,
      websocketCloseCode: 0,
      clientAction: "retry-after",
    });
    expect(errorHandling(ErrorCode.ERROR_CODE_TOKEN_EXPIRED, "login")?.clientAction).toBe("new-token");
    expect(closesConnection(ErrorCode.ERROR_CODE_TOKEN_INVALID, "login")).toBe(true);
    expect(closesConnection(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "request")).toBe(false);
    expect(closesConnection(ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "connection")).toBe(true);
    expect(closesConnection(ErrorCode.ERROR_CODE_UNSUPPORTED_BODY, "request")).toBe(false);
    expect(clientActionFor(ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN, "connection")).toBe("stop");
    expect(clientActionFor(ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN, "connection")).toBe("reconnect");
  });

  it("fails the request for a code or context the spec does not declare, and closes a connection error", () => {
    const unknown = 99_999 as ErrorCode;
    expect(errorHandling(unknown, "request")).toBeUndefined();
    expect(clientActionFor(unknown, "request")).toBe("fail");
    expect(clientActionFor(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT, "login")).toBe("fail");
    expect(closesConnection(unknown, "request")).toBe(false);
    expect(closesConnection(unknown, "connection")).toBe(true);
  });
});

describe("closeCodeFor", () => {
  it("maps each closing code to its WebSocket close code", () => {
    expect(closeCodeFor(ErrorCode.ERROR_CODE_UNSPECIFIED)).toBe(CLOSE_CODES.normal);
    expect(closeCodeFor(ErrorCode.ERROR_CODE_SERVER_SHUTTING_DOWN)).toBe(CLOSE_CODES.goingAway);
    expect(closeCodeFor(ErrorCode.ERROR_CODE_FRAME_TOO_LARGE)).toBe(CLOSE_CODES.messageTooBig);
    expect(closeCodeFor(ErrorCode.ERROR_CODE_MALFORMED_FRAME)).toBe(CLOSE_CODES.protocolError);
    for (const code of [
      ErrorCode.ERROR_CODE_TOKEN_INVALID,
      ErrorCode.ERROR_CODE_TOKEN_EXPIRED,
      ErrorCode.ERROR_CODE_LOGIN_TIMEOUT,
      ErrorCode.ERROR_CODE_HEARTBEAT_TIMEOUT,
      ErrorCode.ERROR_CODE_REPLACED_BY_NEW_LOGIN,
      ErrorCode.ERROR_CODE_INVALID_PARAMETERS,
    ]) {
      expect(closeCodeFor(code), ErrorCode[code]).toBe(CLOSE_CODES.policyViolation);
    }
  });

  it("treats a code the spec never closes with as a policy violation", () => {
    expect(closeCodeFor(ErrorCode.ERROR_CODE_FEATURE_DISABLED)).toBe(CLOSE_CODES.policyViolation);
    expect(closeCodeFor(12_345 as ErrorCode)).toBe(CLOSE_CODES.policyViolation);
  });
});

describe("errorFrame", () => {
  it("builds an Error frame that round-trips through the codec", () => {
    const frame = errorFrame(7, ErrorCode.ERROR_CODE_FREQUENCY_LIMIT, "slow down", 1200);
    expect(decodeFrame(encodeFrame(frame)).body).toMatchObject(frame.body!);
    expect(errorFrame(0, ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, "late").body).toEqual({
      $case: "error",
      value: { code: ErrorCode.ERROR_CODE_LOGIN_TIMEOUT, message: "late", retryAfterMs: 0 },
    });
  });
});
