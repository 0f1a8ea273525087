// The SDK's status changes against the reference server over real sockets: the device
// that sets its own status hears of it once, and changes arrive as an async iterator.
import { afterEach, describe, expect, it } from "vitest";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { PresenceClient } from "../../src/client/index.js";
import type { PresenceServer } from "../../src/server/server.js";
import { eventually, sdkClient, startServer } from "../e2e/harness.js";

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

async function serverWithClients(...devices: [userId: string, deviceId: string][]): Promise<{ server: PresenceServer; clients: PresenceClient[] }> {
  const server = await startServer();
  closers.push(() => server.close());
  const clients = devices.map(([userId, deviceId]) => sdkClient(server, userId, { deviceId }));
  for (const client of clients) {
    closers.push(() => client.close());
    await client.login();
  }
  return { server, clients };
}

function record(client: PresenceClient): UserStatus[][] {
  const calls: UserStatus[][] = [];
  client.onUserStatusChanged((statuses) => calls.push(statuses));
  return calls;
}

describe("onUserStatusChanged", () => {
  it("tells the device that set its own status, once, before setSelfStatus resolves, and the user's other devices", async () => {
    const { clients: [phone, laptop] } = await serverWithClients(["alice", "phone"], ["alice", "laptop"]);
    // A round trip after the laptop's login: the phone has had the push about it.
    await phone!.getUserStatus(["alice"]);
    const phoneCalls = record(phone!);
    const laptopCalls = record(laptop!);
    const status = await phone!.setSelfStatus("on my way");
    expect(phoneCalls).toEqual([[status]]);
    await eventually(() => laptopCalls.find(([seen]) => seen?.version === status.version), 5000, "the laptop to hear of it");
    // The same version again (here in a query's answer) is not a second call.
    expect((await phone!.getUserStatus(["alice"])).statuses[0]?.version).toBe(status.version);
    expect(phoneCalls).toHaveLength(1);
  });
});

describe("statusChanges()", () => {
  it("yields the changes of a subscribed user in order and stops listening on break", async () => {
    const { clients: [alice, bob] } = await serverWithClients(["alice", "a"], ["bob", "b"]);
    await bob!.subscribeUserStatus(["alice"]);
    const seen: string[] = [];
    const iteration = (async () => {
      for await (const statuses of bob!.statusChanges()) {
        seen.push(...statuses.map((status) => status.customStatus));
        if (seen.includes("two")) break;
      }
    })();
    await alice!.setSelfStatus("one");
    await alice!.setSelfStatus("two");
    await iteration;
    expect(seen.at(-1)).toBe("two");
    expect(seen.filter((text) => text === "one").length).toBeLessThanOrEqual(1);
  });

  it("combines the changes a slow loop has not taken, each user at their latest status", async () => {
    const { clients: [alice, bob] } = await serverWithClients(["alice", "a"], ["bob", "b"]);
    await bob!.subscribeUserStatus(["alice"]);
    const changes = bob!.statusChanges();
    const heard = record(bob!);
    await alice!.setSelfStatus("one");
    await alice!.setSelfStatus("two");
    const latest = await alice!.setSelfStatus("three");
    await eventually(() => heard.find(([status]) => status?.version === latest.version), 5000, "bob to hear of the third change");
    expect(heard.length).toBeGreaterThan(1);
    expect(await changes.next()).toEqual({ done: false, value: [latest] });
    await changes.return?.();
    expect(await changes.next()).toEqual({ done: true, value: undefined });
  });

  it("ends when the client closes, and at once on a closed client or an aborted signal", async () => {
    const { clients: [bob] } = await serverWithClients(["bob", "b"]);
    const batches: UserStatus[][] = [];
    const iteration = (async () => {
      for await (const statuses of bob!.statusChanges()) batches.push(statuses);
      return "ended";
    })();
    const aborted = new AbortController();
    const withSignal = bob!.statusChanges({ signal: aborted.signal });
    aborted.abort();
    expect(await withSignal.next()).toEqual({ done: true, value: undefined });
    bob!.close();
    expect(await iteration).toBe("ended");
    expect(await bob!.statusChanges().next()).toEqual({ done: true, value: undefined });
  });
});
