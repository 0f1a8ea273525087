// Request kinds, their answers and operation classes, and how a server
// classifies a frame before it reads any state (frame.proto's rules).
import { describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import { FrameSchema } from "../../generated/es/presence/v1/frame_pb.js";
import { REQUEST_KINDS, RESPONSE_KIND, classifyFrame, isRequestBody, operationClassOf, type RequestBody } from "../../src/protocol/index.js";

// The body kinds as the descriptors name them, independently of the ts-proto union.
const bodyKinds = FrameSchema.oneofs.find((oneof) => oneof.name === "body")!.fields.map((field) => field.localName);

describe("request kinds", () => {
  it("are the seven client-to-server bodies of frame.proto, each answered by a body of the frame", () => {
    expect([...REQUEST_KINDS].sort()).toEqual(
      ["getUserStatusRequest", "loginRequest", "logoutRequest", "ping", "setSelfStatusRequest", "subscribeUserStatusRequest", "unsubscribeUserStatusRequest"],
    );
    for (const kind of REQUEST_KINDS) expect(bodyKinds).toContain(RESPONSE_KIND[kind]);
    expect(isRequestBody({ $case: "pong", value: { clientTimeMs: 0n, serverTimeMs: 0n } })).toBe(false);
    expect(isRequestBody({ $case: "ping", value: { clientTimeMs: 0n } })).toBe(true);
  });
});

describe("operationClassOf", () => {
  const get = (...userIds: string[]): RequestBody => ({ $case: "getUserStatusRequest", value: { userIds } });
  it("gates queries of others, subscribe and unsubscribe; not a query of oneself", () => {
    expect(operationClassOf(get("bob"), "alice")).toBe("query");
    expect(operationClassOf(get("alice", "bob"), "alice")).toBe("query");
    expect(operationClassOf(get("alice"), "alice")).toBeUndefined();
    expect(operationClassOf({ $case: "subscribeUserStatusRequest", value: { userIds: ["bob"] } }, "alice")).toBe("subscribe");
    expect(operationClassOf({ $case: "unsubscribeUserStatusRequest", value: { userIds: [] } }, "alice")).toBe("unsubscribe");
    expect(operationClassOf({ $case: "setSelfStatusRequest", value: { customStatus: "x" } }, "alice")).toBeUndefined();
    expect(operationClassOf({ $case: "ping", value: { clientTimeMs: 0n } }, "alice")).toBeUndefined();
  });
});

describe("classifyFrame", () => {
  it("ignores an unknown or absent body with request id 0, and refuses it with a non-zero id", () => {
    expect(classifyFrame({ requestId: 0, body: undefined })).toEqual({ kind: "ignore" });
    expect(classifyFrame({ requestId: 0, body: { $case: "pong", value: { clientTimeMs: 0n, serverTimeMs: 0n } } })).toEqual({ kind: "ignore" });
    const refused = classifyFrame({ requestId: 3, body: undefined });
    expect(refused.kind === "refuse" && [refused.context, refused.error.code]).toEqual(["request", ErrorCode.ERROR_CODE_UNSUPPORTED_BODY]);
  });

  it("makes a request with request id 0 a connection error with INVALID_PARAMETERS", () => {
    const refused = classifyFrame({ requestId: 0, body: { $case: "logoutRequest", value: {} } });
    expect(refused.kind === "refuse" && [refused.context, refused.error.code]).toEqual(["connection", ErrorCode.ERROR_CODE_INVALID_PARAMETERS]);
  });

  it("passes a request with a non-zero id", () => {
    const body: RequestBody = { $case: "logoutRequest", value: {} };
    expect(classifyFrame({ requestId: 1, body })).toEqual({ kind: "request", request: body });
  });
});
