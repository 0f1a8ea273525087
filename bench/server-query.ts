// The reference server's work for one 500-user GetUserStatus query, without
// the socket: decoding the request (the general codec and the fast path the
// server takes), the engine (validation, rate limit, one read of the in-memory
// store, statuses) and the FrameEncoder (entries reused by version, spliced into the Frame). In one
// process, on simulated time; for before/after comparisons of the server path.
//   node --import tsx bench/server-query.ts [queries]
// 250 users have a custom status (ASCII or CJK); every user has one device.
import { Frame } from "../generated/ts-proto/presence/v1/frame.js";
import { Platform } from "../generated/ts-proto/presence/v1/status.js";
import { decodeFrame } from "../src/codec/messages.js";
import { InMemoryUserDirectory, PresenceEngine, simulatedTime, type EngineEffect } from "../src/engine/index.js";
import { decodeQueryFrame } from "../src/fast/index.js";
import { FrameEncoder } from "../src/server/frame-encoder.js";

const USERS = 500;
const userIds = Array.from({ length: USERS }, (_, i) => `user_${(10_000_000 + i * 7919).toString(36)}`);
const { clock, timers } = simulatedTime(1_700_000_000_000);
const frames: Frame[] = [];
const engine = new PresenceEngine({
  clock,
  timers,
  sink: (effect: EngineEffect) => {
    if (effect.type === "send") frames.push(effect.frame);
  },
  directory: new InMemoryUserDirectory([...userIds, "querier"]),
  config: { plan: "premium", featureEnabled: true },
});

let requestId = 1;
function login(connectionId: string, userId: string, deviceId: string): Promise<void> {
  engine.connect(connectionId);
  return engine.receive(connectionId, {
    requestId: requestId++,
    body: { $case: "loginRequest", value: { userId, token: "t", platform: Platform.PLATFORM_IOS, deviceId, clientVersion: "bench/1" } },
  });
}
for (const [i, userId] of userIds.entries()) {
  await login(`c${i}`, userId, `dev-${i.toString(16)}`);
  if (i % 2 === 0) {
    const customStatus = i % 4 === 0 ? "in a meeting" : "出差中，周一回来";
    await engine.receive(`c${i}`, { requestId: requestId++, body: { $case: "setSelfStatusRequest", value: { customStatus } } });
  }
}
await login("q", "querier", "q-dev");

const encoder = new FrameEncoder();
const query = { $case: "getUserStatusRequest" as const, value: { userIds } };
const queries = Number(process.argv[2] ?? 3000);
const warmUp = Math.floor(queries / 3);
const requestBytes = Frame.encode({ requestId: 123_456, body: query }).finish();
let generalDecodeNs = 0n;
let fastDecodeNs = 0n;
let engineNs = 0n;
let encodeNs = 0n;
let bytes = 0;
for (let i = 0; i < queries; i++) {
  // 20 queries per 5 s are allowed: keep under the rate limit.
  timers.advanceBy(300);
  // Heartbeat timeouts the advance started end outside the measured part.
  await engine.idle();
  frames.length = 0;
  const d0 = process.hrtime.bigint();
  decodeFrame(requestBytes);
  const d1 = process.hrtime.bigint();
  if (decodeQueryFrame(requestBytes) === null) throw new Error("the fast path refused a plain query");
  const t0 = process.hrtime.bigint();
  await engine.receive("q", { requestId: requestId++, body: query });
  const t1 = process.hrtime.bigint();
  const frame = frames[0];
  if (frame?.body?.$case !== "getUserStatusResponse") throw new Error(`expected a response, got ${frame?.body?.$case}`);
  bytes = encoder.encode(frame, 1 << 20).length;
  const t2 = process.hrtime.bigint();
  if (i >= warmUp) {
    generalDecodeNs += d1 - d0;
    fastDecodeNs += t0 - d1;
    engineNs += t1 - t0;
    encodeNs += t2 - t1;
  }
}
const measured = queries - warmUp;
const us = (ns: bigint) => (Number(ns) / measured / 1000).toFixed(1);
process.stdout.write(`${USERS}-user query (${requestBytes.length}-byte request), ${bytes}-byte frame: decode ${us(generalDecodeNs)} µs general / ${us(fastDecodeNs)} µs fast path, engine ${us(engineNs)} µs, frame encoder ${us(encodeNs)} µs (mean of ${measured})\n`);
