// The envelope and framing: malformed and oversized frames, unknown body
// kinds, request id 0, ping, ordering (docs/protocol.md §2; frame.proto).
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import { UserStatusType } from "../../../../generated/ts-proto/presence/v1/status.js";
import { CheckFailure, check } from "../../errors.js";
import type { CaseFamily, ServerCase } from "../case.js";
import type { CaseContext } from "../context.js";
import type { WirePeer } from "../peer.js";
import { expectConnectionError, expectUsable, nextStatusOf } from "../checks.js";
import { bodyOf, codeName, expectEqual, expectError } from "../expect.js";
import { MALFORMED_FRAMES, hex, paddedFrame, unknownBodyFrame } from "../../wire-bytes.js";

/** Sends `bytes` on a logged-in connection; the server must answer 72107 and close, and a bystander must not notice. */
async function expectMalformed(ctx: CaseContext, bytes: Uint8Array, what: string): Promise<void> {
  const bystander = await ctx.login(ctx.user("bob"));
  const { peer } = await ctx.login(ctx.user("alice"));
  peer.sendBytes(bytes, `${what}: ${hex(bytes)}`);
  await expectConnectionError(ctx, peer, ErrorCode.ERROR_CODE_MALFORMED_FRAME);
  await expectUsable(ctx, bystander.peer, "another connection sent a malformed frame");
}

/** Sends a ping padded with an unknown field to `size` bytes (`exactly` worded in the evidence); returns its request id. */
function sendPaddedPing(peer: WirePeer, size: number, exactly = ""): number {
  const requestId = peer.takeRequestId();
  peer.sendBytes(paddedFrame({ requestId, body: { $case: "ping", value: { clientTimeMs: 1n } } }, size), `a ping padded with an unknown field to ${exactly}${size} bytes`);
  return requestId;
}

/** Sends a ping of `size` bytes, over max_frame_bytes, on a logged-in connection; the server must answer 72106 and close. */
async function expectTooLarge(ctx: CaseContext, size: number): Promise<void> {
  const { peer } = await ctx.login(ctx.user("alice"));
  sendPaddedPing(peer, size);
  // A server that refuses it from the WebSocket header, unbuffered, still owes the Error before the close.
  await expectConnectionError(ctx, peer, ErrorCode.ERROR_CODE_FRAME_TOO_LARGE);
}

/** Sends a request by `send` (which returns its request id) on a logged-in connection; it must be answered 72108, and the connection stay usable. */
async function expectUnsupported(ctx: CaseContext, what: string, send: (peer: WirePeer) => number): Promise<void> {
  const { peer } = await ctx.login(ctx.user("alice"));
  expectError(await peer.answer(send(peer), ctx.target.answerTimeoutMs), ErrorCode.ERROR_CODE_UNSUPPORTED_BODY);
  await expectUsable(ctx, peer, what);
}

export const framing: CaseFamily = {
  name: "framing",
  cases: [
    ...MALFORMED_FRAMES.map(
      ({ name, breaks, bytes }): ServerCase => ({
        id: `frame.malformed-${name}`,
        title: `A frame with ${breaks} is answered 72107 (request id 0) and that connection alone closes (1002)`,
        rule: "docs/protocol.md §2.3 (a conforming decoder MUST reject ...); errors.proto ERROR_CODE_MALFORMED_FRAME (connection: closes 1002)",
        run: (ctx) => expectMalformed(ctx, bytes, breaks),
      }),
    ),
    {
      id: "frame.text-message",
      title: "A text WebSocket message is a protocol error: the connection closes (an Error, if sent, is 72107)",
      rule: "docs/protocol.md §2 (Text messages are a protocol error)",
      async run(ctx) {
        const { peer } = await ctx.login(ctx.user("alice"));
        peer.sendBytes("hello");
        const closed = await peer.closed(ctx.target.answerTimeoutMs);
        check(closed.code === 1002 || closed.code === 1003, `WebSocket close code: expected 1002 or 1003 for a protocol error, got ${closed.code}`);
        for (const frame of peer.received.filter((f) => f.body?.$case === "error")) expectError(frame, ErrorCode.ERROR_CODE_MALFORMED_FRAME, "the connection error");
      },
    },
    {
      id: "frame.oversized",
      title: "A frame one byte over max_frame_bytes is answered 72106 and the connection closes (1009)",
      rule: "docs/protocol.md §2; session.proto Limits.max_frame_bytes; errors.proto ERROR_CODE_FRAME_TOO_LARGE (connection: closes 1009)",
      run: (ctx) => expectTooLarge(ctx, ctx.limits.maxFrameBytes + 1),
    },
    {
      id: "frame.far-oversized",
      title: "A frame over twice max_frame_bytes is answered 72106 and the connection closes (1009), however early the server refuses it",
      rule: "docs/protocol.md §2 (reject a larger frame without buffering it, and close); errors.proto ERROR_CODE_FRAME_TOO_LARGE (connection: closes 1009)",
      run: (ctx) => expectTooLarge(ctx, 2 * ctx.limits.maxFrameBytes + 1),
    },
    {
      id: "frame.at-max-size",
      title: "A frame of exactly max_frame_bytes is accepted",
      rule: "docs/protocol.md §2 (a frame MUST NOT exceed max_frame_bytes); session.proto Limits.max_frame_bytes",
      async run(ctx) {
        const { peer } = await ctx.login(ctx.user("alice"));
        const requestId = sendPaddedPing(peer, ctx.limits.maxFrameBytes, "exactly ");
        bodyOf(await peer.answer(requestId, ctx.target.answerTimeoutMs), "pong", "a ping of exactly max_frame_bytes");
      },
    },
    {
      id: "frame.unknown-body",
      title: "A request of an unknown body kind is answered 72108 with its request id; the connection stays open",
      rule: "frame.proto Frame (a body kind the receiver does not know); docs/protocol.md §2.1",
      run: (ctx) =>
        expectUnsupported(ctx, "an unknown body kind", (peer) => {
          const requestId = peer.takeRequestId();
          const bytes = unknownBodyFrame(requestId);
          peer.sendBytes(bytes, `a frame with request id ${requestId} and a body in field 99: ${hex(bytes)}`);
          return requestId;
        }),
    },
    {
      id: "frame.no-body",
      title: "A frame with a request id and no body is answered 72108; the connection stays open",
      rule: "frame.proto Frame (or no body at all); docs/protocol.md §2.1",
      run: (ctx) => expectUnsupported(ctx, "a frame without a body", (peer) => peer.send(undefined)),
    },
    {
      id: "frame.server-body-from-client",
      title: "A server-to-client body sent by a client is answered 72108; the connection stays open",
      rule: "docs/engine.md Sessions (a body that is a server-to-client kind); errors.proto ERROR_CODE_UNSUPPORTED_BODY",
      run: (ctx) => expectUnsupported(ctx, "a pong sent by a client", (peer) => peer.send({ $case: "pong", value: { clientTimeMs: 1n, serverTimeMs: 1n } })),
    },
    {
      id: "frame.unknown-body-id-zero",
      title: "An unknown body kind with request id 0 is ignored: no answer, the connection stays open",
      rule: "frame.proto Frame (if request_id is 0, the receiver ignores the frame)",
      async run(ctx) {
        const { peer } = await ctx.login(ctx.user("alice"), { keepAlive: false });
        const bytes = unknownBodyFrame(0);
        peer.sendBytes(bytes, `a frame with request id 0 and a body in field 99: ${hex(bytes)}`);
        const before = peer.received.length;
        await expectUsable(ctx, peer, "an unknown body kind with request id 0");
        const answered = peer.received.slice(before);
        check(answered.length === 1, `the server answered the ignored frame: ${answered.map((f) => `${f.body?.$case} (request ${f.requestId})`).join(", ")}`);
      },
    },
    {
      id: "frame.unknown-fields",
      title: "A request carrying unknown fields is served as if they were absent",
      rule: "README.md Stability (unknown fields are kept); docs/protocol.md §8",
      async run(ctx) {
        const { peer } = await ctx.login(ctx.user("alice"));
        const requestId = peer.takeRequestId();
        const plain = { requestId, body: { $case: "ping" as const, value: { clientTimeMs: 42n } } };
        peer.sendBytes(paddedFrame(plain, 64), "a ping with an unknown field 100 appended (64 bytes)");
        const pong = bodyOf(await peer.answer(requestId, ctx.target.answerTimeoutMs), "pong");
        expectEqual(pong.clientTimeMs, 42n, "Pong.client_time_ms");
      },
    },
    {
      id: "frame.request-id-zero",
      title: "A request with request id 0 is answered 70402 with id 0 and the connection closes; its user becomes OFFLINE",
      rule: "frame.proto Frame (a request with request_id 0 is a connection error); docs/engine.md Sessions and Rule 1",
      async run(ctx) {
        const alice = await ctx.login(ctx.user("alice"));
        const watcher = await ctx.loginWatching("bob", alice.userId);
        alice.peer.send({ $case: "getUserStatusRequest", value: { userIds: [alice.userId] } }, 0);
        await expectConnectionError(ctx, alice.peer, ErrorCode.ERROR_CODE_INVALID_PARAMETERS);
        const seen = await nextStatusOf(ctx, watcher.peer, alice.userId);
        expectEqual(UserStatusType[seen.statusType], "USER_STATUS_TYPE_OFFLINE", "the user's status after the server closed its only connection");
      },
    },
    {
      id: "ping.pong",
      title: "Ping is answered with Pong: same request id, client time echoed, server time set",
      rule: "session.proto Ping, Pong; docs/protocol.md §3.3",
      async run(ctx) {
        const { peer } = await ctx.login(ctx.user("alice"));
        const before = Date.now();
        const pong = bodyOf(await ctx.request(peer, { $case: "ping", value: { clientTimeMs: 1234567n } }), "pong");
        expectEqual(pong.clientTimeMs, 1234567n, "Pong.client_time_ms");
        check(Math.abs(Number(pong.serverTimeMs) - before) < 300_000, `Pong.server_time_ms ${pong.serverTimeMs} is not the server's clock`);
      },
    },
    {
      id: "frame.in-order",
      title: "Pipelined requests are answered in order, each with its own request id",
      rule: "docs/protocol.md §2.1 (frames are processed in order per connection; exactly one answer per request)",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"), { keepAlive: false });
        const before = peer.received.length;
        const ids = [
          peer.send({ $case: "ping", value: { clientTimeMs: 1n } }),
          peer.send({ $case: "setSelfStatusRequest", value: { customStatus: "first" } }),
          peer.send({ $case: "getUserStatusRequest", value: { userIds: [userId] } }),
          peer.send({ $case: "setSelfStatusRequest", value: { customStatus: "second" } }),
          peer.send({ $case: "ping", value: { clientTimeMs: 2n } }),
        ];
        await peer.answer(ids.at(-1)!, ctx.target.answerTimeoutMs);
        const answers = peer.received.slice(before).filter((f) => f.requestId !== 0);
        expectEqual(answers.map((f) => f.requestId), ids, "request ids of the answers, in arrival order");
        const queried = bodyOf(answers[2]!, "getUserStatusResponse").statuses[0];
        if (queried?.customStatus !== "first") throw new CheckFailure(`the query between two status changes saw ${JSON.stringify(queried?.customStatus)}, not "first": requests were not processed in order`);
        const errors = answers.filter((f) => f.body?.$case === "error");
        check(errors.length === 0, `unexpected errors: ${errors.map((f) => (f.body?.$case === "error" ? codeName(f.body.value.code) : "")).join(", ")}`);
      },
    },
  ],
};
