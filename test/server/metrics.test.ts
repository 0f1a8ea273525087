// GET /metrics end to end: a real server, real clients, the Prometheus text scraped over HTTP.
import { afterEach, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type { PresenceClient } from "../../src/client/index.js";
import type { PresenceServer } from "../../src/server/server.js";
import { RawPeer, errorOf, eventually, sdkClient, startServer } from "../e2e/harness.js";

const servers: PresenceServer[] = [];
const clients: PresenceClient[] = [];
const peers: RawPeer[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const p of peers.splice(0)) p.close();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function scrape(server: PresenceServer): Promise<string> {
  const response = await fetch(`http://127.0.0.1:${server.port}/metrics`);
  expect(response.headers.get("content-type")).toMatch(/^text\/plain/);
  return response.text();
}

/** The value of one sample, e.g. `presence_requests_total{operation="login",code="OK"}`. */
function sample(text: string, series: string): number | undefined {
  const line = text.split("\n").find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

it("counts connections, users, requests by operation and code, notifications, rate-limit refusals and encode time", async () => {
  const s = await startServer({ users: ["carol"], app: { limits: { rateLimitRequests: 1 } } });
  servers.push(s);
  const idle = await RawPeer.open(s.url);
  peers.push(idle);
  const bob = sdkClient(s, "bob");
  clients.push(bob);
  await bob.login();
  // A raw peer: the SDK would pace its requests under the rate limit instead of sending them.
  const alice = await RawPeer.open(s.url);
  peers.push(alice);
  await alice.login("alice");
  await bob.subscribeUserStatus(["alice"]);
  const query: NonNullable<Frame["body"]> = { $case: "getUserStatusRequest", value: { userIds: ["carol"] } };
  expect((await alice.request(query)).body?.$case).toBe("getUserStatusResponse");
  expect(errorOf(await alice.request(query)).code).toBe(ErrorCode.ERROR_CODE_FREQUENCY_LIMIT);
  const notified = new Promise((resolve) => bob.onUserStatusChanged(resolve));
  await alice.request({ $case: "setSelfStatusRequest", value: { customStatus: "busy" } });
  await notified;

  const text = await eventually(async () => {
    const scraped = await scrape(s);
    return sample(scraped, "presence_notifications_sent_total") === 1 ? scraped : undefined;
  });
  expect(sample(text, "presence_connections")).toBe(3);
  expect(sample(text, "presence_logged_in_connections")).toBe(2);
  expect(sample(text, "presence_online_users")).toBe(2);
  expect(sample(text, 'presence_requests_total{operation="login",code="OK"}')).toBe(2);
  expect(sample(text, 'presence_requests_total{operation="getUserStatus",code="OK"}')).toBe(1);
  expect(sample(text, 'presence_requests_total{operation="getUserStatus",code="ERROR_CODE_FREQUENCY_LIMIT"}')).toBe(1);
  expect(sample(text, 'presence_rate_limit_refusals_total{operation="getUserStatus"}')).toBe(1);
  expect(sample(text, 'presence_requests_total{operation="setSelfStatus",code="OK"}')).toBe(1);
  expect(sample(text, "presence_slow_consumer_closes_total")).toBe(0);
  // The notification went out (counted above) without an encode observation: only other frames are timed.
  expect(sample(text, 'presence_frame_encode_seconds_count{body="userStatusChanged"}')).toBeUndefined();
  expect(sample(text, 'presence_frame_encode_seconds_count{body="loginResponse"}')).toBe(2);
  expect(text).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
});
