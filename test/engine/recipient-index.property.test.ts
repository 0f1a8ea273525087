// The recipient index against the general rule: after any sequence of logins,
// logouts, lost connections, subscriptions (evictions by the cap included),
// unsubscriptions, retention expiries and friendship changes driven through
// the engine, the receivers the index gives for any set of changed users are
// exactly those the fan-out reads from the store and the friends, under every
// plan and switch. Checks also come between the steps: the store's reverse
// index, built at the general path's first read, must follow the lists from
// then on, and the index's groups must be right at every point, not only the end.
import fc from "fast-check";
import { expect, it } from "vitest";
import { collectNotifications, type Notifications } from "../../src/engine/fan-out.js";
import { resolveAppConfig } from "../../src/engine/config.js";
import { InMemoryPresenceStore } from "../../src/engine/memory-store.js";
import { recipientIndexFor } from "../../src/engine/recipient-index.js";
import type { EngineEffect } from "../../src/engine/index.js";
import { Bench, PREMIUM_ON, closedConnections, req } from "./harness.js";

const USERS = ["u0", "u1", "u2", "u3", "u4", "u5"];
const CONNECTIONS = ["c0", "c1", "c2", "c3", "c4", "c5", "c6", "c7"];
const user = fc.constantFrom(...USERS);
const connection = fc.constantFrom(...CONNECTIONS);

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("login" as const), connection, user, device: fc.constantFrom("phone", "laptop", "") }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("logout" as const), connection }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("drop" as const), connection }) },
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("subscribe" as const), connection, targets: fc.uniqueArray(user, { minLength: 1, maxLength: 4 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("unsubscribe" as const), connection, targets: fc.uniqueArray(user, { maxLength: 3 }) }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("befriend" as const), a: user, b: user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("unfriend" as const), a: user, b: user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("replaceFriends" as const), pairs: fc.array(fc.tuple(user, user), { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.constantFrom(1_000, 60_000, 400_000) }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("check" as const), changed: fc.uniqueArray(user, { minLength: 1, maxLength: 3 }) }) },
);

const SWITCHES = [
  { plan: "premium", featureEnabled: true, friendAutoNotify: true },
  { plan: "premium", featureEnabled: true, friendAutoNotify: false },
  { plan: "premium", featureEnabled: false, friendAutoNotify: true },
  { plan: "basic", featureEnabled: true, friendAutoNotify: false },
] as const;

/** Each receiving connection's statuses as user@version, by node, for comparison. */
function shape(notifications: Notifications): Record<string, Record<string, string[]>> {
  const byNode: Record<string, Record<string, string[]>> = {};
  const add = (node: string, outbox: Notifications["local"]) => {
    byNode[node] = Object.fromEntries([...outbox].map(([id, statuses]) => [id, statuses.map((s) => `${s.userId}@${s.version}`)]).sort(([a], [b]) => (a! < b! ? -1 : 1)));
  };
  add("local", notifications.local);
  for (const [node, outbox] of notifications.remote) add(node, outbox);
  return byNode;
}

it("gives the receivers the general rule reads, after any sequence of sessions, subscriptions and friendships", async () => {
  await fc.assert(
    fc.asyncProperty(fc.array(op, { minLength: 20, maxLength: 60 }), fc.array(fc.uniqueArray(user, { minLength: 1, maxLength: 3 }), { minLength: 3, maxLength: 3 }), async (ops, changeSets) => {
      const store = new InMemoryPresenceStore();
      // A cap of 3 makes subscriptions evict; a short retention clears lists within the run.
      const bench = new Bench({ store, users: USERS, config: { ...PREMIUM_ON, friendAutoNotify: true, limits: { maxSubscriptions: 3, subscriptionRetentionMs: 30_000, rateLimitRequests: 1_000_000 } } });
      bench.friends.befriend("u0", "u1");
      // Built after data exists, as a server does: it must start from what the store and friends hold.
      const index = recipientIndexFor(store, bench.friends)!;
      const open = new Set<string>();
      const send = async (connectionId: string, body: Parameters<Bench["send"]>[1]) => forgetClosed(await bench.send(connectionId, body));
      const forgetClosed = (effects: EngineEffect[]) => {
        for (const { connectionId } of closedConnections(effects)) open.delete(connectionId);
      };
      const check = async (changed: readonly string[]) => {
        const records = await Promise.all(changed.map(async (userId) => [userId, (await store.readUser(userId)).value] as const));
        const changes = new Map(records.flatMap(([userId, record]) => (record ? [[userId, { record, answered: record.devices[0]?.connectionId }] as const] : [])));
        if (changes.size === 0) return;
        for (const switches of SWITCHES) {
          const config = resolveAppConfig(switches);
          const general = await collectNotifications(config, store, bench.friends, "local", changes);
          const indexed = await collectNotifications(config, store, bench.friends, "local", changes, true, index);
          expect(shape(indexed)).toEqual(shape(general));
        }
      };
      for (const step of ops) {
        switch (step.kind) {
          case "login":
            if (open.has(step.connection)) break;
            bench.connect(step.connection);
            open.add(step.connection);
            await send(step.connection, req.login(step.user, step.device));
            break;
          case "logout":
            if (open.has(step.connection)) await send(step.connection, req.logout());
            break;
          case "drop":
            if (open.delete(step.connection)) await bench.drop(step.connection);
            break;
          case "subscribe":
            if (open.has(step.connection)) await send(step.connection, req.subscribe(...step.targets));
            break;
          case "unsubscribe":
            if (open.has(step.connection)) await send(step.connection, req.unsubscribe(...step.targets));
            break;
          case "befriend":
            bench.friends.befriend(step.a, step.b);
            break;
          case "unfriend":
            bench.friends.unfriend(step.a, step.b);
            break;
          case "replaceFriends":
            bench.friends.replaceAll(step.pairs);
            break;
          case "advance":
            forgetClosed(await bench.advance(step.ms));
            break;
          case "check":
            await check(step.changed);
            break;
        }
      }
      for (const changed of changeSets) await check(changed);
    }),
    { numRuns: 150 },
  );
}, 120_000);
