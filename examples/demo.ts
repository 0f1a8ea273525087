#!/usr/bin/env node
// `npm run demo`: a scripted session showing the protocol at work, written
// against the package's public entry points as an application would be. With
// --url it talks to a running server (e.g. `npm start`, which must use the
// development secret or PRESENCE_SECRET); without, it starts its own on a
// free port with a 3 s heartbeat timeout, so the OFFLINE step is quick.
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { encodeFrame, Platform, StatusChangeReason, UserStatusType, type UserStatus } from "../src/index.js";
import { PresenceClient } from "../src/client/index.js";
import { DEV_SECRET, createToken, startPresenceServer, type PresenceServer } from "../src/server/index.js";

const { values } = parseArgs({ options: { url: { type: "string" } } });
const secret = process.env.PRESENCE_SECRET || DEV_SECRET;
const token = (userId: string) => createToken({ userId, expiresAtMs: Date.now() + 3600_000 }, secret);

function describe(status: UserStatus): string {
  const type = UserStatusType[status.statusType]?.replace("USER_STATUS_TYPE_", "") ?? status.statusType;
  const reason = StatusChangeReason[status.reason]?.replace("STATUS_CHANGE_REASON_", "").toLowerCase() ?? status.reason;
  const custom = status.customStatus ? ` "${status.customStatus}"` : "";
  const devices = status.onlineDevices.length ? ` devices=[${status.onlineDevices.map((d) => Platform[d.platform]?.replace("PLATFORM_", "")).join(",")}]` : "";
  return `${status.userId}: ${type}${custom}${devices} (v${status.version}, ${reason})`;
}

const say = (text: string) => process.stdout.write(`${text}\n`);
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function main(): Promise<void> {
  let server: PresenceServer | undefined;
  let url = values.url;
  if (!url) {
    server = await startPresenceServer({ port: 0, app: { plan: "premium", featureEnabled: true, limits: { heartbeatTimeoutMs: 3000, heartbeatIntervalMs: 1000 } } });
    url = server.url;
    say(`started a demo server on ${url} (heartbeat timeout shortened to 3 s)`);
  }

  const client = (userId: string, platform: Platform) =>
    new PresenceClient({ url: url!, userId, token: () => token(userId), platform, deviceId: `${userId}-${Platform[platform]}`, reconnect: false });
  const alice = client("alice", Platform.PLATFORM_IOS);
  const aliceDesktop = client("alice", Platform.PLATFORM_MACOS);
  const bob = client("bob", Platform.PLATFORM_WEB);
  for (const [name, c] of [["alice/iOS", alice], ["alice/macOS", aliceDesktop], ["bob/web", bob]] as const) {
    c.onUserStatusChanged((statuses) => statuses.forEach((s) => say(`  [${name}] onUserStatusChanged ${describe(s)}`)));
  }

  say("\n1. alice logs in on her phone, bob on the web");
  const login = await alice.login();
  say(`  alice: heartbeat every ${login.limits?.heartbeatIntervalMs} ms, timeout ${login.limits?.heartbeatTimeoutMs} ms`);
  await bob.login();

  say("\n2. carol logs in from a raw socket that will go silent (no heartbeats, no close)");
  const carol = new WebSocket(url);
  await new Promise((resolve, reject) => carol.once("open", resolve).once("error", reject));
  carol.send(encodeFrame({ requestId: 1, body: { $case: "loginRequest", value: { userId: "carol", token: token("carol"), platform: Platform.PLATFORM_ANDROID, deviceId: "carol-phone", clientVersion: "raw-demo" } } }));
  await pause(200);

  say("\n3. bob subscribes to alice and carol and gets their current status");
  const subscribed = await bob.subscribeUserStatus(["alice", "carol"]);
  subscribed.statuses.forEach((s) => say(`  snapshot ${describe(s)}`));

  say("\n4. alice sets a custom status; her second device logs in and syncs");
  await alice.setSelfStatus("听歌中 🎧 listening to music");
  await pause(100);
  await aliceDesktop.login();
  await pause(100);

  say("\n5. bob queries alice, carol and an unknown user");
  const queried = await bob.getUserStatus(["alice", "carol", "nobody"]);
  queried.statuses.forEach((s) => say(`  ${describe(s)}`));
  queried.errors.forEach((e) => say(`  ${e.userId}: error ${e.code} ${e.message}`));

  const timeout = login.limits?.heartbeatTimeoutMs ?? 400_000;
  if (timeout <= 60_000) {
    say(`\n6. carol's link goes silent; after ${timeout} ms the server declares her OFFLINE`);
    await pause(timeout + 1500);
  } else {
    say(`\n6. skipped: the server's heartbeat timeout is ${timeout} ms; run without --url for the short one`);
  }
  carol.terminate();

  say("\n7. alice logs out of both devices: UNLOGINED, custom status cleared");
  await aliceDesktop.logout();
  await alice.logout();
  await pause(200);
  await bob.logout();
  await server?.close();
  say("\ndone");
}

main().catch((error: unknown) => {
  process.stderr.write(`demo failed: ${String(error)}\n`);
  process.exit(1);
});
