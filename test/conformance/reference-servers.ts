// The reference server as the conformance kit's CI target: one premium server
// with the feature switch and friend auto-notification on, one with the
// switch off, one on the basic plan; short timers so no case is skipped.
import { startPresenceServer, type PresenceServer } from "../../src/server/server.js";
import { hmacTokens, type ServerTarget } from "../../src/conformance/server/index.js";
import type { LimitsConfig } from "../../src/protocol/limits.js";

export const SECRET = "conformance-test-secret-0123456789";
export const FRIENDS: [string, string] = ["conformance-friend-a", "conformance-friend-b"];

// Short enough for a quick CI run, long enough that a loaded 2-core machine's delays stay inside the kit's margins.
export const SHORT_TIMERS: Partial<LimitsConfig> = {
  heartbeatIntervalMs: 400,
  heartbeatTimeoutMs: 1500,
  loginTimeoutMs: 1500,
  subscriptionRetentionMs: 1500,
};

export interface ReferenceServers {
  main: PresenceServer;
  switchOff: PresenceServer;
  basicPlan: PresenceServer;
  close(): Promise<void>;
}

export async function startReferenceServers(): Promise<ReferenceServers> {
  const base = { host: "127.0.0.1", port: 0, secret: SECRET, devSecret: false };
  const main = await startPresenceServer({ ...base, friends: { [FRIENDS[0]]: [FRIENDS[1]] }, app: { plan: "premium", featureEnabled: true, friendAutoNotify: true, limits: SHORT_TIMERS } });
  const switchOff = await startPresenceServer({ ...base, app: { plan: "premium", featureEnabled: false, limits: SHORT_TIMERS } });
  const basicPlan = await startPresenceServer({ ...base, app: { plan: "basic", featureEnabled: true, limits: SHORT_TIMERS } });
  return {
    main,
    switchOff,
    basicPlan,
    close: async () => {
      await Promise.all([main.close(), switchOff.close(), basicPlan.close()]);
    },
  };
}

/** The kit's target: every URL given, so no case is skipped for a missing option. */
export function targetOf(servers: ReferenceServers, url = servers.main.url): ServerTarget {
  return {
    url,
    switchOffUrl: servers.switchOff.url,
    basicPlanUrl: servers.basicPlan.url,
    friends: [FRIENDS],
    tokens: hmacTokens(SECRET),
    maxWaitMs: 60_000,
    answerTimeoutMs: 5000,
  };
}
