// The 500-user query on the server's hot path (the engine's shared statuses,
// the FrameEncoder's cached entries) writes the bytes ts-proto writes for the
// same answer, before and after users change.
import { expect, it } from "vitest";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { Platform } from "../../generated/ts-proto/presence/v1/status.js";
import { encodeFrame } from "../../src/codec/messages.js";
import { InMemoryUserDirectory, PresenceEngine, simulatedTime, type EngineEffect } from "../../src/engine/index.js";
import { FrameEncoder } from "../../src/server/frame-encoder.js";

const MAX = 1 << 24;

it("answers a query with ts-proto's bytes, also after statuses change", async () => {
  const userIds = Array.from({ length: 500 }, (_, i) => `user-${i}`);
  const { clock, timers } = simulatedTime(1_700_000_000_000);
  const frames: Frame[] = [];
  const engine = new PresenceEngine({
    clock,
    timers,
    sink: (effect: EngineEffect) => {
      if (effect.type === "send") frames.push(effect.frame);
    },
    directory: new InMemoryUserDirectory([...userIds, "querier", "nobody-logged-in"]),
    config: { plan: "premium", featureEnabled: true },
  });
  let requestId = 1;
  const send = (connection: string, body: Frame["body"]) => engine.receive(connection, { requestId: requestId++, body });
  const login = (connection: string, userId: string) => {
    engine.connect(connection);
    return send(connection, { $case: "loginRequest", value: { userId, token: "t", platform: Platform.PLATFORM_IOS, deviceId: `d-${userId}`, clientVersion: "test/1" } });
  };
  for (const [i, userId] of userIds.entries()) {
    await login(`c${i}`, userId);
    if (i % 3 === 0) await send(`c${i}`, { $case: "setSelfStatusRequest", value: { customStatus: i % 2 ? "出差中" : "in a meeting" } });
  }
  await login("q", "querier");
  const encoder = new FrameEncoder();
  const query = async (ids: string[]) => {
    frames.length = 0;
    timers.advanceBy(1000);
    await engine.idle();
    frames.length = 0;
    await send("q", { $case: "getUserStatusRequest", value: { userIds: ids } });
    const answer = frames.find((f) => f.body?.$case === "getUserStatusResponse")!;
    expect(answer).toBeDefined();
    return answer;
  };
  const ids = [...userIds.slice(0, 498), "nobody-logged-in", "unknown-user"];
  const first = await query(ids);
  expect(encoder.encode(first, MAX)).toEqual(encodeFrame(first, { maxFrameBytes: MAX }));
  // The same records again: the same status objects, the cached entries.
  const again = await query(ids);
  expect(again.body?.$case === "getUserStatusResponse" && again.body.value.statuses[0]).toBe(first.body?.$case === "getUserStatusResponse" && first.body.value.statuses[0]);
  expect(encoder.encode(again, MAX)).toEqual(encodeFrame(again, { maxFrameBytes: MAX }));
  // Changes: a new custom status, a logout; their statuses and bytes are new.
  await send("c0", { $case: "setSelfStatusRequest", value: { customStatus: "back" } });
  await send("c1", { $case: "logoutRequest", value: {} });
  const changed = await query(ids);
  const bytes = encoder.encode(changed, MAX);
  expect(bytes).toEqual(encodeFrame(changed, { maxFrameBytes: MAX }));
  const statuses = changed.body?.$case === "getUserStatusResponse" ? changed.body.value.statuses : [];
  expect(statuses[0]).toMatchObject({ userId: "user-0", customStatus: "back" });
  expect(statuses[1]?.onlineDevices).toEqual([]);
  expect(bytes).not.toEqual(encoder.encode(first, MAX));
});
