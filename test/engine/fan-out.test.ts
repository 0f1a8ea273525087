// The receivers of one change share an array holding its status; a connection
// that receives several changes of one event gets its own. Both fan-out paths
// (the recipient index and the store's reads) must keep every connection to
// the statuses it receives, whatever the others receive.
import { expect, it } from "vitest";
import { resolveAppConfig } from "../../src/engine/config.js";
import { collectNotifications, type Change } from "../../src/engine/fan-out.js";
import { InMemoryPresenceStore } from "../../src/engine/memory-store.js";
import { recipientIndexFor } from "../../src/engine/recipient-index.js";
import { Bench, PREMIUM_ON, req } from "./harness.js";

it("gives each connection exactly the changes it receives when one event changes several users, on both paths", async () => {
  const store = new InMemoryPresenceStore();
  const bench = new Bench({ store, users: ["a", "b", "c", "x", "y", "z", "w"], config: PREMIUM_ON });
  const index = recipientIndexFor(store, bench.friends)!;
  for (const user of ["a", "b", "c", "x", "y", "z", "w"]) await bench.login(`c-${user}`, user);
  await bench.send("c-x", req.subscribe("a", "b", "c"));
  await bench.send("c-y", req.subscribe("a"));
  await bench.send("c-z", req.subscribe("b"));
  await bench.send("c-w", req.subscribe("a"));

  const changes = new Map<string, Change>();
  for (const user of ["a", "b", "c"]) changes.set(user, { record: (await store.readUser(user)).value!, answered: `c-${user}` });
  for (const recipients of [undefined, index]) {
    const { local } = await collectNotifications(resolveAppConfig(PREMIUM_ON), store, bench.friends, "local", changes, true, recipients);
    const users = (connectionId: string) => local.get(connectionId)?.map((status) => status.userId);
    expect(users("c-x")).toEqual(["a", "b", "c"]);
    expect(users("c-y")).toEqual(["a"]);
    expect(users("c-z")).toEqual(["b"]);
    expect(users("c-w")).toEqual(["a"]);
    expect([...local.keys()].sort()).toEqual(["c-w", "c-x", "c-y", "c-z"]);
    // One array for the receivers of `a` alone: the status is not copied per receiver.
    expect(local.get("c-y")).toBe(local.get("c-w"));
  }
});
