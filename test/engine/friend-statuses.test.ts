// Rule 4, friends' statuses at login: what LoginResponse.friend_statuses holds, in which order, up to how many.
import { describe, expect, it } from "vitest";
import { Bench, OFFLINE, ONLINE, UNLOGINED, answer, loginResponse, req, STORES, type BenchOptions } from "./harness.js";

describe.each(STORES)("against the $name store", (store) => {
  const newBench = (options: BenchOptions = {}) => new Bench({ ...options, store: store.create() });

  async function friendsAtLogin(bench: Bench, userId: string) {
    return loginResponse(answer(await bench.login("me", userId), "me")).friendStatuses.map((s) => [s.userId, s.statusType, s.version]);
  }

  it("carry the friends who ever logged in, ONLINE, then OFFLINE, then UNLOGINED, each in friend-list order", async () => {
    const bench = newBench({ config: { friendAutoNotify: true }, users: ["never"] });
    for (const friend of ["gone", "away", "never", "on1", "on2"]) bench.friends.befriend("me-user", friend);
    for (const friend of ["gone", "away", "on1", "on2"]) {
      await bench.login(friend, friend);
    }
    await bench.send("gone", req.logout());
    await bench.drop("away");
    expect(await friendsAtLogin(bench, "me-user")).toEqual([
      ["on1", ONLINE, 1n],
      ["on2", ONLINE, 1n],
      ["away", OFFLINE, 2n],
      ["gone", UNLOGINED, 2n],
    ]);
  });

  it("stop at max_query_users, ONLINE friends kept", async () => {
    const bench = newBench({ config: { friendAutoNotify: true, limits: { maxQueryUsers: 2 } } });
    for (const friend of ["off", "on1", "on2", "on3"]) {
      bench.friends.befriend("me-user", friend);
      await bench.login(friend, friend);
    }
    await bench.drop("off");
    expect((await friendsAtLogin(bench, "me-user")).map(([id]) => id)).toEqual(["on1", "on2"]);
  });

  it("are empty while friend auto-notification is off", async () => {
    const bench = newBench({ config: { friendAutoNotify: false } });
    bench.friends.befriend("me-user", "friend");
    await bench.login("friend", "friend");
    expect(await friendsAtLogin(bench, "me-user")).toEqual([]);
  });
});
