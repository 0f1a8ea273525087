// Convergence of the SDK's view, a property over real sockets: clients of the reference server
// change their statuses, lose their links, leave and come back, and the server restarts; once
// things are quiet, every client's latest status of every user it watches (itself, its
// subscriptions, its friends) is the server's. Against one server, and against three nodes on one
// Redis behind a balancer that sends every new connection to the next node, so each reconnection
// lands on another node and a restart is one node's.
import fc from "fast-check";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import WebSocket from "ws";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { PresenceClient } from "../../src/client/index.js";
import { startLocalRedis } from "../../scripts/local-redis.js";
import type { PresenceServer, ServerOptions } from "../../src/server/server.js";
import { startBalancer } from "../support/balancer.js";
import { eventually, sdkClient, startServer } from "../e2e/harness.js";

const USERS = ["u0", "u1", "u2"];

type Action =
  | { kind: "set"; user: number; text: string }
  | { kind: "drop"; user: number }
  | { kind: "leave"; user: number }
  | { kind: "return"; user: number }
  | { kind: "restart" };

const user = fc.integer({ min: 0, max: USERS.length - 1 });
const action: fc.Arbitrary<Action> = fc.oneof(
  { weight: 4, arbitrary: fc.record({ kind: fc.constant("set" as const), user, text: fc.constantFrom("", "busy", "away", "here") }) },
  { weight: 2, arbitrary: fc.record({ kind: fc.constant("drop" as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("leave" as const), user }) },
  { weight: 1, arbitrary: fc.record({ kind: fc.constant("return" as const), user }) },
  { weight: 1, arbitrary: fc.constant({ kind: "restart" as const }) },
);
const pairs = fc.uniqueArray(fc.tuple(user, user).filter(([a, b]) => a < b), { selector: ([a, b]) => `${a}-${b}`, maxLength: 3 });
const scenario = fc.record({
  friends: pairs,
  subscriptions: fc.array(fc.subarray([0, 1, 2]), { minLength: USERS.length, maxLength: USERS.length }),
  actions: fc.array(action, { minLength: 1, maxLength: 8 }),
});

const closers: (() => unknown)[] = [];
afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
});

// What a client's view and the server agree on; never logging in is the same as no status at all.
function comparable(status: UserStatus | undefined): string {
  if (!status || status.version === 0n) return "never";
  const devices = status.onlineDevices.map((d) => d.deviceId).join(",");
  return `${status.statusType} "${status.customStatus}" [${devices}] v${status.version}`;
}

/** What the clients connect to: its URL, the truth to compare with, and a restart. */
interface Deployment {
  readonly url: string;
  /** Any node: in a cluster every node answers for every user. */
  readonly server: PresenceServer;
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** One server; a restart starts it afresh on the same port (its state is gone, a new epoch). */
async function oneServer(options: ServerOptions): Promise<Deployment> {
  let server = await startServer(options);
  const port = server.port;
  return {
    url: server.url,
    get server() {
      return server;
    },
    async restart() {
      await server.close();
      server = await startServer({ ...options, port });
    },
    close: () => server.close(),
  };
}

let clusters = 0;
/** Three nodes on one Redis behind a round-robin balancer; a restart replaces the oldest node by a new one. */
async function threeNodes(options: ServerOptions, redisUrl: string): Promise<Deployment> {
  const clusterOptions = { ...options, redisUrl, leaseTtlMs: 1000, clusterKeyPrefix: `conv${++clusters}:` };
  const nodes: PresenceServer[] = [];
  for (let i = 0; i < 3; i++) nodes.push(await startServer(clusterOptions));
  const balancer = await startBalancer(() => nodes.map((node) => node.port));
  return {
    url: `ws://127.0.0.1:${balancer.port}/presence`,
    get server() {
      return nodes[nodes.length - 1]!;
    },
    async restart() {
      await nodes.shift()!.close();
      nodes.push(await startServer(clusterOptions));
    },
    async close() {
      await balancer.close();
      for (const node of nodes) await node.close();
    },
  };
}

const redis = await startLocalRedis();
afterAll(() => redis.stop());
const TOPOLOGIES = [
  { name: "one server", deploy: oneServer, runs: 40 },
  { name: "three nodes on Redis, reconnections landing on other nodes", deploy: (options: ServerOptions) => threeNodes(options, redis.url), runs: 15 },
];

describe.each(TOPOLOGIES)("the SDK's view, $name", ({ deploy, runs }) => {
  it("converges to the server's after changes, lost links, leaving, returning and restarts", async () => {
    await fc.assert(
      fc.asyncProperty(scenario, async ({ friends, subscriptions, actions }) => {
        const friendLists: Record<string, string[]> = Object.fromEntries(USERS.map((id) => [id, []]));
        for (const [a, b] of friends) friendLists[USERS[a]!]!.push(USERS[b]!);
        const deployment = await deploy({ users: USERS, friends: friendLists, app: { friendAutoNotify: true } });
        const sockets = new Map<string, WebSocket>();
        const clients = USERS.map((id) => {
          class TrackedSocket extends WebSocket {
            constructor(url: string) {
              super(url);
              sockets.set(id, this);
            }
          }
          return sdkClient(deployment.server, id, { url: deployment.url, deviceId: `${id}-d`, webSocket: TrackedSocket, reconnect: { initialDelayMs: 5, maxDelayMs: 40 }, random: () => 0.5 });
        });
        const away = new Set<number>();
        const settled: Promise<unknown>[] = [];
        try {
          for (const client of clients) await client.login();
          for (const [i, ids] of subscriptions.entries()) {
            const others = ids.filter((j) => j !== i).map((j) => USERS[j]!);
            if (others.length > 0) await clients[i]!.subscribeUserStatus(others);
          }
          const allBack = () => eventually(() => (clients.every((c, i) => away.has(i) || c.state === "online") ? true : undefined), 10_000, "every client online");
          for (const step of actions) {
            switch (step.kind) {
              case "set": // not awaited: changes cross the drops and restarts that follow
                if (!away.has(step.user)) settled.push(clients[step.user]!.setSelfStatus(step.text).catch(() => undefined));
                break;
              case "drop":
                // Only between logins: a restart whose login answer is lost goes unseen without epochs (docs/client.md).
                await allBack();
                if (!away.has(step.user)) sockets.get(USERS[step.user]!)?.terminate();
                break;
              case "leave":
                away.add(step.user);
                clients[step.user]!.close();
                break;
              case "return":
                if (away.delete(step.user)) await clients[step.user]!.login();
                break;
              case "restart":
                await allBack();
                await deployment.restart();
                break;
            }
          }
          await allBack();
          await Promise.all(settled);
          const views = async () => {
            const differences: string[] = [];
            for (const [i, client] of clients.entries()) {
              if (away.has(i)) continue;
              const watched = new Set([USERS[i]!, ...client.subscribedUserIds, ...friendLists[USERS[i]!]!, ...USERS.filter((id) => friendLists[id]!.includes(USERS[i]!))]);
              for (const id of watched) {
                const [seen, truth] = [comparable(client.latestStatus(id)), comparable(await deployment.server.engine.statusOf(id))];
                if (seen !== truth) differences.push(`${USERS[i]} sees ${id} as ${seen}; the server: ${truth}`);
              }
            }
            return differences;
          };
          let last: string[] = [];
          const converged = await eventually(async () => ((last = await views()).length === 0 ? true : undefined), 10_000, "convergence").catch(() => false);
          expect(last, JSON.stringify({ friends, subscriptions, actions })).toEqual([]);
          expect(converged).toBe(true);
        } finally {
          for (const client of clients) client.close();
          await deployment.close();
        }
      }),
      { numRuns: runs },
    );
  }, 240_000);
});
