// Convergence of the SDK's view, a property over real sockets: clients of the reference server
// change their statuses, lose their links, leave and come back, and the server restarts; once
// things are quiet, for every user a client watches (itself, its subscriptions, its friends), the
// client's latest status is the server's, and so is the newest the application saw through the
// public API (its calls' answers with the listeners', or with the iterator's). Against one server,
// and against three nodes on one Redis behind a balancer that sends every new connection to the
// next node, so each reconnection lands on another node and a restart is one node's.
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

/**
 * The newest status of each user among those an application saw. As the SDK does (docs/client.md), it
 * forgets every status of an older epoch once it sees a newer one: a restarted server may not know
 * the user at all, and then sends nothing of them.
 */
class Sight {
  private readonly newest = new Map<string, UserStatus>();
  private epoch = 0n;

  see(statuses: readonly UserStatus[]): void {
    for (const status of statuses) {
      // The reference server's epoch is its start time (the cluster's in cluster mode): a later state has a greater one.
      if (status.epoch < this.epoch) continue;
      if (status.epoch > this.epoch) {
        this.epoch = status.epoch;
        this.newest.clear();
      }
      const known = this.newest.get(status.userId);
      if (!known || status.version > known.version) this.newest.set(status.userId, status);
    }
  }

  of(userId: string): UserStatus | undefined {
    return this.newest.get(userId);
  }
}

/** An application on one client, using only the public API; what it saw through the listeners, and through the iterator. */
class App {
  readonly heard = new Sight();
  readonly iterated = new Sight();

  constructor(readonly client: PresenceClient) {
    client.onUserStatusChanged((statuses) => this.heard.see(statuses));
  }

  async login(): Promise<void> {
    const answer = this.client.login();
    // An iteration ends when the client closes, so each login starts one, once the call has left the closed state.
    void (async () => {
      for await (const statuses of this.client.statusChanges()) this.iterated.see(statuses);
    })();
    const { selfStatus, friendStatuses } = await answer;
    this.answered([...(selfStatus ? [selfStatus] : []), ...friendStatuses]);
  }

  async subscribe(userIds: string[]): Promise<void> {
    this.answered((await this.client.subscribeUserStatus(userIds)).statuses);
  }

  async set(text: string): Promise<void> {
    this.answered([await this.client.setSelfStatus(text)]);
  }

  private answered(statuses: readonly UserStatus[]): void {
    this.heard.see(statuses);
    this.iterated.see(statuses);
  }
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
        const apps = clients.map((client) => new App(client));
        const away = new Set<number>();
        const settled: Promise<unknown>[] = [];
        try {
          for (const app of apps) await app.login();
          for (const [i, ids] of subscriptions.entries()) {
            const others = ids.filter((j) => j !== i).map((j) => USERS[j]!);
            if (others.length > 0) await apps[i]!.subscribe(others);
          }
          const allBack = () => eventually(() => (clients.every((c, i) => away.has(i) || c.state === "online") ? true : undefined), 10_000, "every client online");
          for (const step of actions) {
            switch (step.kind) {
              case "set": // not awaited: changes cross the drops and restarts that follow
                if (!away.has(step.user)) settled.push(apps[step.user]!.set(step.text).catch(() => undefined));
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
                if (away.delete(step.user)) await apps[step.user]!.login();
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
            for (const [i, { client, heard, iterated }] of apps.entries()) {
              if (away.has(i)) continue;
              const watched = new Set([USERS[i]!, ...client.subscribedUserIds, ...friendLists[USERS[i]!]!, ...USERS.filter((id) => friendLists[id]!.includes(USERS[i]!))]);
              for (const id of watched) {
                const truth = comparable(await deployment.server.engine.statusOf(id));
                const sights = { "client's latest": client.latestStatus(id), "app's, with the listeners": heard.of(id), "app's, with the iterator": iterated.of(id) };
                for (const [view, status] of Object.entries(sights)) {
                  const seen = comparable(status);
                  if (seen !== truth) differences.push(`${USERS[i]} (${view}) sees ${id} as ${seen}; the server: ${truth}`);
                }
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
