// The server conformance kit against the reference server (every case must
// PASS; in CI a SKIPPED case is a failure too) and against deliberately broken
// servers (a tampering proxy in front of it), each of which must make exactly
// the named cases FAIL.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { SERVER_FAMILIES, runServerConformance } from "../../src/conformance/server/index.js";
import type { ConformanceReport } from "../../src/conformance/report/model.js";
import { createToken } from "../../src/token/token.js";
import { SECRET, startReferenceServers, targetOf, type ReferenceServers } from "./reference-servers.js";
import { startTamperingProxy, type Tampering } from "./tampering-proxy.js";

let servers: ReferenceServers;

beforeAll(async () => {
  servers = await startReferenceServers();
});

afterAll(async () => {
  await servers.close();
});

/** Every case that did not PASS, with its reason: what a failing expectation should print. */
function notPassed(report: ConformanceReport): string[] {
  return report.results.filter((r) => r.verdict !== "PASS").map((r) => `${r.id}: ${r.verdict} ${r.reason ?? ""}`);
}

function failedIds(report: ConformanceReport): string[] {
  return report.results.filter((r) => r.verdict === "FAIL").map((r) => r.id);
}

describe("the reference server", () => {
  it("passes every case, none skipped", async () => {
    const report = await runServerConformance(targetOf(servers), SERVER_FAMILIES);
    expect(notPassed(report)).toEqual([]);
    expect(report.results.length).toBe(SERVER_FAMILIES.reduce((n, family) => n + family.cases.length, 0));
  });
});

const withStatuses = (frame: Frame, bump: bigint): Frame =>
  frame.body?.$case === "userStatusChanged"
    ? { ...frame, body: { $case: "userStatusChanged", value: { statuses: frame.body.value.statuses.map((s) => ({ ...s, version: s.version + bump })) } } }
    : frame;

/** Request ids the proxy uses for its own pings, far above anything the kit sends. */
const PROXY_PING_IDS = 4_000_000_000;

const BROKEN: { name: string; tampering: Tampering; only: string[]; fails: string[] }[] = [
  {
    name: "forgets to name evicted users",
    tampering: {
      fromServer: (frame) =>
        frame.body?.$case === "subscribeUserStatusResponse" ? { ...frame, body: { $case: "subscribeUserStatusResponse", value: { ...frame.body.value, evictedUserIds: [] } } } : frame,
    },
    only: ["subscribe."],
    fails: ["subscribe.eviction"],
  },
  {
    name: "skips a version in every notification",
    tampering: { fromServer: (frame) => withStatuses(frame, 1n) },
    only: ["notify.", "status.same-value-is-no-change"],
    fails: ["status.same-value-is-no-change", "notify.multi-device-sync", "notify.subscriber-lifecycle", "notify.once-per-change"],
  },
  {
    name: "keeps the custom status of a user who went OFFLINE or UNLOGINED",
    tampering: {
      fromServer: (frame) =>
        frame.body?.$case === "userStatusChanged"
          ? { ...frame, body: { $case: "userStatusChanged", value: { statuses: frame.body.value.statuses.map((s) => (s.onlineDevices.length === 0 ? { ...s, customStatus: "stale" } : s)) } } }
          : frame,
    },
    only: ["notify.subscriber-lifecycle", "notify.multi-device-sync"],
    fails: ["notify.subscriber-lifecycle"],
  },
  {
    name: "sends a text message after a status change",
    tampering: {
      fromServer: (frame, link) => {
        if (frame.body?.$case === "setSelfStatusResponse") setImmediate(() => link.toClientRaw("status changed"));
        return frame;
      },
    },
    only: ["status.set-and-clear", "ping.pong"],
    fails: ["status.set-and-clear"],
  },
  {
    name: "never closes a connection that sent request id 0",
    tampering: {
      fromClient: (frame, link) => {
        if (frame.requestId !== 0 || frame.body === undefined) return frame;
        link.toClient({ requestId: 0, body: { $case: "error", value: { code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS, message: "id 0", retryAfterMs: 0 } } });
        return undefined;
      },
    },
    only: ["frame."],
    fails: ["frame.request-id-zero"],
  },
  {
    name: "gives no retry-after",
    tampering: {
      fromServer: (frame) =>
        frame.body?.$case === "error" && frame.body.value.code === ErrorCode.ERROR_CODE_FREQUENCY_LIMIT ? { ...frame, body: { $case: "error", value: { ...frame.body.value, retryAfterMs: 0 } } } : frame,
    },
    only: ["rate."],
    fails: ["rate.limit-and-retry-after"],
  },
  {
    name: "accepts any token",
    tampering: {
      fromClient: (frame) =>
        frame.body?.$case === "loginRequest"
          ? { ...frame, body: { $case: "loginRequest", value: { ...frame.body.value, token: createToken({ userId: frame.body.value.userId, expiresAtMs: Date.now() + 60_000 }, SECRET) } } }
          : frame,
    },
    only: ["login."],
    fails: ["login.token-of-another-user", "login.token-malformed", "login.token-expired"],
  },
  {
    name: "never times out a silent connection",
    tampering: {
      // The proxy pings the server on the client's behalf and hides the pongs.
      onOpen: (link) => {
        let id = PROXY_PING_IDS;
        const timer = setInterval(() => link.toServer({ requestId: id++, body: { $case: "ping", value: { clientTimeMs: 0n } } }), 300);
        return () => clearInterval(timer);
      },
      fromServer: (frame) => (frame.requestId >= PROXY_PING_IDS ? undefined : frame),
    },
    only: ["liveness.heartbeat-timeout", "ping.pong"],
    fails: ["liveness.heartbeat-timeout"],
  },
];

describe("broken servers fail exactly the named cases", () => {
  it.each(BROKEN)("a server that $name", async ({ tampering, only, fails }) => {
    const proxy = await startTamperingProxy(servers.main.url, tampering);
    try {
      // A failing case waits out its timeout; 2.5 s still leaves the passing ones a wide margin.
      const report = await runServerConformance({ ...targetOf(servers, proxy.url), answerTimeoutMs: 2500 }, SERVER_FAMILIES, { only });
      expect(report.totals.SKIPPED).toBe(0);
      expect(failedIds(report), notPassed(report).join("\n")).toEqual(fails);
      expect(report.totals.PASS).toBeGreaterThan(0);
    } finally {
      await proxy.close();
    }
  });
});
