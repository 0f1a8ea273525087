// The plan and the feature switch: what they refuse, what they never refuse,
// and the order of checks (docs/protocol.md §4; docs/engine.md Rules 5-8, 10).
// Run against extra URLs of the same server configured that way.
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import type { CaseFamily, ServerCase } from "../case.js";
import type { CaseContext } from "../context.js";
import { bodyOf, expectEqual, expectError } from "../expect.js";
import type { FrameBody } from "../peer.js";

interface Gate {
  name: "switch-off" | "basic-plan";
  needs: "switchOffUrl" | "basicPlanUrl";
  url: (ctx: CaseContext) => string;
  code: ErrorCode;
  description: string;
}

const GATES: readonly Gate[] = [
  { name: "switch-off", needs: "switchOffUrl", url: (ctx) => ctx.target.switchOffUrl!, code: ErrorCode.ERROR_CODE_FEATURE_DISABLED, description: "the feature switch off" },
  { name: "basic-plan", needs: "basicPlanUrl", url: (ctx) => ctx.target.basicPlanUrl!, code: ErrorCode.ERROR_CODE_PREMIUM_REQUIRED, description: "the basic plan" },
];

function gatedRequests(self: string, other: string): FrameBody[] {
  return [
    { $case: "getUserStatusRequest", value: { userIds: [self, other] } },
    { $case: "subscribeUserStatusRequest", value: { userIds: [other] } },
    { $case: "unsubscribeUserStatusRequest", value: { userIds: [] } },
  ];
}

function casesFor(gate: Gate): ServerCase[] {
  const rule = "docs/protocol.md §4 (plan and switch); docs/engine.md Rules 5-7 and 10; errors.proto";
  return [
    {
      id: `${gate.name}.refuses-gated-operations`,
      title: `With ${gate.description}, queries of others, subscribe and unsubscribe are refused with ${gate.code}, past the rate limit too`,
      rule: `${rule} ${ErrorCode[gate.code]}`,
      needs: gate.needs,
      async run(ctx) {
        const other = await ctx.login(ctx.user("bob"), { url: gate.url(ctx) });
        const { peer, userId } = await ctx.login(ctx.user("alice"), { url: gate.url(ctx) });
        for (const body of gatedRequests(userId, other.userId)) expectError(await ctx.request(peer, body), gate.code, body.$case);
        // The gate comes before the rate limit, so no number of refused requests turns into -20009.
        const [query] = gatedRequests(userId, other.userId);
        for (let i = 0; i <= ctx.limits.rateLimitRequests; i++) expectError(await ctx.request(peer, query!), gate.code, `query of others ${i + 1}`);
      },
    },
    {
      id: `${gate.name}.own-status-allowed`,
      title: `With ${gate.description}, setting and querying your own status still work`,
      rule: "docs/engine.md Rule 8 (own status needs no plan, no switch); operations.proto SetSelfStatusRequest, GetUserStatusRequest",
      needs: gate.needs,
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"), { url: gate.url(ctx) });
        const set = bodyOf(await ctx.request(peer, { $case: "setSelfStatusRequest", value: { customStatus: "allowed" } }), "setSelfStatusResponse").status!;
        const { statuses } = bodyOf(await ctx.request(peer, { $case: "getUserStatusRequest", value: { userIds: [userId] } }), "getUserStatusResponse");
        expectEqual(statuses.map((s) => [s.userId, s.customStatus, s.version]), [[userId, "allowed", set.version]], "your own status");
      },
    },
    {
      id: `${gate.name}.check-order`,
      title: `With ${gate.description}, batch count and parameter errors are answered before ${gate.code}`,
      rule: "docs/protocol.md §4 (checks happen in this order: ... batch count, parameters, plan, feature switch, rate limit)",
      needs: gate.needs,
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"), { url: gate.url(ctx) });
        expectError(await ctx.request(peer, { $case: "subscribeUserStatusRequest", value: { userIds: [] } }), ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, "a subscribe of no ids");
        expectError(await ctx.request(peer, { $case: "subscribeUserStatusRequest", value: { userIds: [userId] } }), ErrorCode.ERROR_CODE_CANNOT_SUBSCRIBE_SELF, "subscribing to yourself");
        expectError(await ctx.request(peer, { $case: "getUserStatusRequest", value: { userIds: [userId, ""] } }), ErrorCode.ERROR_CODE_INVALID_PARAMETERS, "a query with an empty id");
      },
    },
  ];
}

export const switches: CaseFamily = { name: "switches", cases: GATES.flatMap(casesFor) };
