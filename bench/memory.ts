// The heap one node's engine holds per connection in the load tool's default
// graph (19,500 users; 1,000 writers; 10,000 receivers subscribed to 50
// writers each; 5 friends per writer), built through the engine's own login
// and subscribe requests, then taken apart one structure at a time: each
// structure's share is the heap freed by dropping it (after a full GC).
//   node --expose-gc --import tsx bench/memory.ts [--connections 19500]
// The sockets (ws, net) are not here: the load run's RSS per connection
// covers them (npm run load).
import { parseArgs } from "node:util";
import { simulatedTime } from "../src/engine/clock.js";
import { InMemoryFriends } from "../src/engine/directory.js";
import { PresenceEngine } from "../src/engine/engine.js";
import type { EngineNode } from "../src/engine/node.js";
import { PendingNotifications } from "../src/server/pending-notifications.js";
import { friendsConfig, subscriptionsOf, userId, type GraphPlan } from "./load/graph.js";

const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("run with node --expose-gc");

const { values } = parseArgs({ options: { connections: { type: "string", default: "19500" } } });
const connections = Number(values.connections);
const plan: GraphPlan = { users: connections, writers: 1000, receivers: 10_000, subscriptionsPerReceiver: 50, friendsPerWriter: 5 };

function heap(): number {
  for (let i = 0; i < 3; i++) gc!();
  return process.memoryUsage().heapUsed;
}

const rows: [string, number][] = [];
const perConnection = (bytes: number) => Math.round(bytes / connections);

const start = heap();
const { clock, timers } = simulatedTime(1_700_000_000_000);
const friends = new InMemoryFriends();
await friends.befriendAll(Object.entries(friendsConfig(plan)).flatMap(([a, list]) => list.map((b) => [a, b] as const)));
const engine = new PresenceEngine({ clock, timers, friends, sink: () => undefined, config: { plan: "premium", featureEnabled: true, friendAutoNotify: true } });
let requestId = 1;
for (let u = 0; u < connections; u++) {
  engine.connect(`c${u}`);
  void engine.receive(`c${u}`, { requestId: requestId++, body: { $case: "loginRequest", value: { userId: userId(u), token: "t", platform: 1, deviceId: "d", clientVersion: "bench/1" } } });
  if (u % 500 === 499) await engine.idle();
}
await engine.idle();
for (let u = plan.writers; u < plan.writers + plan.receivers; u++) {
  const targets = subscriptionsOf(plan, u).map(userId);
  void engine.receive(`c${u}`, { requestId: requestId++, body: { $case: "subscribeUserStatusRequest", value: { userIds: targets } } });
  if (u % 500 === 499) await engine.idle();
}
await engine.idle();
const built = heap();
const node = (engine as unknown as { node: EngineNode }).node;
const subscriptions = await node.state.store.countSubscriptions?.();

// Each structure dropped in turn; what remains at the end is the engine's other per-connection state.
const store = node.state.store as unknown as Record<string, unknown>;
const drop = (name: string, undo: () => void) => {
  const before = heap();
  undo();
  rows.push([name, before - heap()]);
};
drop("recipient index (recipient-index.ts)", () => {
  (node as { recipients: unknown }).recipients = undefined;
  (store as { observers: unknown[] }).observers.length = 0;
  (friends as unknown as { observers: unknown[] }).observers.length = 0;
});
// The store's maps by name, this version's and the ones before it (revisions, subscribers). Tested
// with `in`, not by reading them: a value read here stays in a register and keeps its map alive.
for (const field of ["subscribers", "revisions", "userRevisions", "listRevisions", "rateWindows", "lists", "users"]) {
  if (field in store) drop(`store: ${field}`, () => (store[field] = new Map()));
}
drop("engine: connections, their timers, delivered versions", () => {
  node.connections.clear();
  node.delivered.clear();
  (timers as unknown as { pending: Map<number, unknown> }).pending.clear();
});
drop("friends (5 per writer)", () => (friends as unknown as { friends: Map<string, unknown> }).friends.clear());
rows.push(["engine: the rest", heap() - start]);

const beforePending = heap();
const pending = Array.from({ length: connections }, () => new PendingNotifications());
rows.push(["server: PendingNotifications, never used", heap() - beforePending]);

console.log(`${subscriptions} subscriptions held`);
console.log(`${connections} connections; engine heap built: ${built - start} B (${perConnection(built - start)} B per connection)`);
for (const [name, bytes] of rows) console.log(`${name.padEnd(56)} ${String(bytes).padStart(11)} B ${String(perConnection(bytes)).padStart(6)} B/connection`);
void pending.length;
