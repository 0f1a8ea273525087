// Property test: random sequences of connection events, requests, time
// passing and switch changes never break the engine's invariants.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { StatusChangeReason, UserStatusType, type UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { InMemoryFriends, InMemoryUserDirectory, PresenceEngine, simulatedTime, type EngineEffect, type PresenceStore } from "../../src/engine/index.js";
import { errorHandling, type ErrorContext } from "../../src/protocol/index.js";
import { req, STORES, type Body } from "./harness.js";

const USERS = ["u0", "u1", "u2", "u3", "u4"];
const CONNECTIONS = ["c0", "c1", "c2", "c3"];
const MAX_SUBSCRIPTIONS = 3;

type Command =
  | { kind: "connect"; connection: string }
  | { kind: "drop"; connection: string }
  | { kind: "request"; connection: string; body: Body; requestId: number }
  | { kind: "advance"; ms: number }
  | { kind: "switch"; featureEnabled?: boolean; friendAutoNotify?: boolean };

const connection = fc.constantFrom(...CONNECTIONS);
const userIds = fc.array(fc.constantFrom(...USERS, "ghost"), { maxLength: 4 });
// Mostly valid subscribe batches, so that lists reach the cap.
const subscribeIds = fc.array(fc.constantFrom(...USERS), { minLength: 1, maxLength: 3 });
const body: fc.Arbitrary<Body> = fc.oneof(
  fc.tuple(fc.constantFrom(...USERS), fc.constantFrom("", "d0", "d1")).map(([user, device]) => req.login(user, device)),
  fc.tuple(fc.constantFrom(...USERS), fc.constantFrom("", "d0", "d1")).map(([user, device]) => req.login(user, device)),
  fc.constant(req.logout()),
  fc.constant(req.ping()),
  fc.constantFrom("", "busy", "away").map((text) => req.setStatus(text)),
  userIds.map((ids) => req.get(...ids)),
  userIds.map((ids) => req.subscribe(...ids)),
  subscribeIds.map((ids) => req.subscribe(...ids)),
  userIds.map((ids) => req.unsubscribe(...ids)),
);
const command: fc.Arbitrary<Command> = fc.oneof(
  { arbitrary: connection.map((c) => ({ kind: "connect" as const, connection: c })), weight: 2 },
  { arbitrary: connection.map((c) => ({ kind: "drop" as const, connection: c })), weight: 1 },
  {
    // Request id 0 is rare, as it closes the connection.
    arbitrary: fc.record({ connection, body, requestId: fc.constantFrom(1, 2, 3, 4, 5, 6, 7, 0) }).map((r) => ({ kind: "request" as const, ...r })),
    weight: 8,
  },
  { arbitrary: fc.integer({ min: 0, max: 700 }).map((ms) => ({ kind: "advance" as const, ms })), weight: 2 },
  { arbitrary: fc.record({ featureEnabled: fc.boolean(), friendAutoNotify: fc.boolean() }, { requiredKeys: [] }).map((s) => ({ kind: "switch" as const, ...s })), weight: 1 },
);
const friendships = fc.uniqueArray(fc.tuple(fc.constantFrom(...USERS), fc.constantFrom(...USERS)), { maxLength: 4 });

/** What the test knows from the outside: which connections are open and as whom they logged in. */
class Model {
  readonly open = new Set<string>();
  readonly loggedInAs = new Map<string, string>();
  /** Per connection and user, the highest version that connection was sent. */
  readonly seenVersions = new Map<string, bigint>();
  readonly violations: string[] = [];
  /** Connections sent an Error whose handling in its context closes the connection, with that code. */
  readonly closeExpected = new Map<string, number>();

  close(connectionId: string): void {
    this.open.delete(connectionId);
    this.loggedInAs.delete(connectionId);
    for (const key of [...this.seenVersions.keys()]) if (key.startsWith(`${connectionId}/`)) this.seenVersions.delete(key);
  }

  see(connectionId: string, status: UserStatus, mustBeNew: boolean): void {
    const key = `${connectionId}/${status.userId}`;
    const previous = this.seenVersions.get(key) ?? -1n;
    if (mustBeNew ? status.version <= previous : status.version < previous) {
      this.violations.push(`${connectionId} was sent ${status.userId} v${status.version} after v${previous}`);
    }
    if (status.version > previous) this.seenVersions.set(key, status.version);
  }
}

async function runScenario(
  store: PresenceStore,
  commands: Command[],
  friendPairs: [string, string][],
  initial: { featureEnabled: boolean; friendAutoNotify: boolean },
): Promise<void> {
  const { clock, timers } = simulatedTime(0);
  const friends = new InMemoryFriends();
  for (const [a, b] of friendPairs) friends.befriend(a, b);
  const model = new Model();
  let engine: PresenceEngine | undefined;
  const entitled = async (receiver: string, changed: string): Promise<boolean> => {
    if (!engine) return false;
    const { plan, featureEnabled, friendAutoNotify } = engine.settings;
    if (receiver === changed) return true;
    if (plan === "premium" && featureEnabled && (await engine.subscriptionsOf(receiver)).includes(changed)) return true;
    return friendAutoNotify && [...friends.friendsOf(changed)].includes(receiver);
  };
  let current: Extract<Command, { kind: "request" }> | undefined;
  const contextOf = (requestId: number): ErrorContext => {
    if (requestId === 0) return "connection";
    return current?.body.$case === "loginRequest" ? "login" : "request";
  };
  // Effects are checked when the event that made them has ended, against the state it left.
  const check = async (effect: EngineEffect): Promise<void> => {
    if (!model.open.has(effect.connectionId)) model.violations.push(`effect ${effect.type} to closed connection ${effect.connectionId}`);
    if (effect.type === "close") {
      const expected = model.closeExpected.get(effect.connectionId);
      if (expected !== undefined && expected !== effect.code) model.violations.push(`${effect.connectionId} closed with ${effect.code} after error ${expected}`);
      model.closeExpected.delete(effect.connectionId);
      return model.close(effect.connectionId);
    }
    const frameBody = effect.frame.body;
    if (frameBody?.$case === "error") {
      // Every Error is one the spec declares for its context, and closes exactly where the spec says.
      const context = contextOf(effect.frame.requestId);
      const handling = errorHandling(frameBody.value.code, context);
      if (!handling) model.violations.push(`error ${frameBody.value.code} sent in the ${context} context, which the spec does not declare`);
      else if (handling.closesConnection) model.closeExpected.set(effect.connectionId, frameBody.value.code);
    }
    if (frameBody?.$case === "loginResponse" && frameBody.value.selfStatus) {
      model.loggedInAs.set(effect.connectionId, frameBody.value.selfStatus.userId);
      model.see(effect.connectionId, frameBody.value.selfStatus, false);
    }
    if (frameBody?.$case === "getUserStatusResponse" || frameBody?.$case === "subscribeUserStatusResponse") {
      for (const status of frameBody.value.statuses) model.see(effect.connectionId, status, false);
    }
    if (frameBody?.$case !== "userStatusChanged") return;
    const receiver = model.loggedInAs.get(effect.connectionId);
    const statuses = frameBody.value.statuses;
    if (new Set(statuses.map((s) => s.userId)).size !== statuses.length) model.violations.push("a user twice in one notification");
    for (const status of statuses) {
      if (!receiver || !(await entitled(receiver, status.userId))) {
        model.violations.push(`${effect.connectionId} (${receiver ?? "not logged in"}) not entitled to ${status.userId}`);
      }
      model.see(effect.connectionId, status, true);
    }
  };
  const delivered: EngineEffect[] = [];
  const errors: unknown[] = [];
  const settle = async (): Promise<void> => {
    await engine?.idle();
    if (errors.length > 0) throw errors[0];
    for (const effect of delivered.splice(0)) await check(effect);
  };
  engine = new PresenceEngine({
    clock,
    timers,
    sink: (effect) => delivered.push(effect),
    store,
    onError: (error) => errors.push(error),
    friends,
    directory: new InMemoryUserDirectory(USERS),
    config: {
      plan: "premium",
      ...initial,
      limits: { maxSubscriptions: MAX_SUBSCRIPTIONS, maxSubscribeUsersPerCall: 3, rateLimitRequests: 3, rateLimitWindowMs: 1000, heartbeatTimeoutMs: 1000, loginTimeoutMs: 500, subscriptionRetentionMs: 2000 },
    },
  });

  const lastVersions = new Map<string, bigint>();
  for (const step of commands) {
    if (step.kind === "connect") {
      if (model.open.has(step.connection)) continue;
      model.open.add(step.connection);
      engine.connect(step.connection);
    } else if (step.kind === "drop") {
      void engine.disconnect(step.connection);
      await settle();
      model.close(step.connection);
    } else if (step.kind === "request") {
      current = step;
      void engine.receive(step.connection, { requestId: step.requestId, body: step.body });
      await settle();
      current = undefined;
    } else if (step.kind === "advance") {
      await timers.advanceToSettled(clock.now() + step.ms, settle);
    } else {
      void engine.updateSwitches(step);
      await settle();
    }

    for (const [connectionId, code] of model.closeExpected) model.violations.push(`${connectionId} not closed after error ${code}`);
    await checkUsers(engine, model, lastVersions);
    if (model.violations.length > 0) break;
  }
  expect(model.violations).toEqual([]);
}

/** Plain checks (not expect) per step: they run tens of thousands of times. */
async function checkUsers(engine: PresenceEngine, model: Model, lastVersions: Map<string, bigint>): Promise<void> {
  const fail = (why: string) => model.violations.push(why);
  for (const user of USERS) {
    const status = await engine.statusOf(user);
    if (!status) return void fail(`${user} unknown`);
    const devices = [...model.loggedInAs.values()].filter((u) => u === user).length;
    if (status.onlineDevices.length !== devices) fail(`${user} lists ${status.onlineDevices.length} devices, ${devices} logged in`);
    if ((status.statusType === UserStatusType.USER_STATUS_TYPE_ONLINE) !== devices > 0) fail(`${user} is ${status.statusType} with ${devices} devices`);
    if (devices === 0 && status.customStatus !== "") fail(`${user} keeps a custom status while not online`);
    if (status.statusType === UserStatusType.USER_STATUS_TYPE_UNLOGINED && status.version > 0n && status.reason !== StatusChangeReason.STATUS_CHANGE_REASON_LOGOUT) {
      fail(`${user} UNLOGINED without logout`);
    }
    const list = await engine.subscriptionsOf(user);
    if (list.length > MAX_SUBSCRIPTIONS) fail(`${user} subscribes ${list.length} users`);
    if (list.includes(user)) fail(`${user} subscribes itself`);
    if (status.version < (lastVersions.get(user) ?? 0n)) fail(`${user} version went back to ${status.version}`);
    lastVersions.set(user, status.version);
  }
}

describe.each(STORES)("engine invariants under random event sequences against the $name store", (store) => {
  it("status is the union over devices, lists stay within the cap, versions only grow, pushes reach only entitled connections, errors behave as the spec declares", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 20, maxLength: 80, size: "max" }), friendships, fc.boolean(), fc.boolean(), (commands, pairs, featureEnabled, friendAutoNotify) =>
        runScenario(store.create(), commands, pairs, { featureEnabled, friendAutoNotify }),
      ),
      // A real Redis costs a round trip per store call: fewer runs keep the file within a minute.
      { numRuns: store.name === "redis" ? 400 : 1000 },
    );
  });
});
