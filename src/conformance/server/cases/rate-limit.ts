// Rate limits: per user, per operation class, sliding window, retry-after,
// refused requests spend nothing (docs/protocol.md §4; docs/engine.md Rule 9).
import type { Frame } from "../../../../generated/ts-proto/presence/v1/frame.js";
import { ErrorCode } from "../../../../generated/ts-proto/presence/v1/errors.js";
import type { CaseFamily } from "../case.js";
import type { CaseContext } from "../context.js";
import { check } from "../../errors.js";
import { bodyOf, expectError } from "../expect.js";
import type { FrameBody, WirePeer } from "../peer.js";

const LIMITED = ErrorCode.ERROR_CODE_FREQUENCY_LIMIT;
/** Time allowed beyond retry_after_ms for the answer to travel and timers to fire on a loaded machine. */
const RETRY_MARGIN_MS = 300;

/** A query of others (it names someone besides the requester, here an unknown id): rate limited. */
function queryOfOthers(ctx: CaseContext, userId: string): FrameBody {
  return { $case: "getUserStatusRequest", value: { userIds: [userId, ctx.user("ghost")] } };
}

/** Sends `count` requests without waiting (so they all land in one window) and returns their answers in order. */
async function burst(ctx: CaseContext, peer: WirePeer, body: FrameBody, count: number): Promise<Frame[]> {
  const ids = Array.from({ length: count }, () => peer.send(body));
  return Promise.all(ids.map((id) => peer.answer(id, ctx.target.answerTimeoutMs)));
}

function expectAccepted(answers: Frame[], kind: FrameBody["$case"], what: string): void {
  answers.forEach((answer, i) => bodyOf(answer, kind, `${what} ${i + 1} of ${answers.length}`));
}

export const rateLimit: CaseFamily = {
  name: "rate-limit",
  cases: [
    {
      id: "rate.limit-and-retry-after",
      title: "Past rate_limit_requests in the window a request is answered -20009 with retry_after_ms; after that wait it is accepted",
      rule: "docs/engine.md Rule 9; errors.proto ERROR_CODE_FREQUENCY_LIMIT (request: retry-after); session.proto Limits.rate_limit_requests",
      waitsMs: (limits) => limits.rateLimitWindowMs + RETRY_MARGIN_MS,
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const { rateLimitRequests: allowed, rateLimitWindowMs: window } = ctx.limits;
        const started = performance.now();
        const answers = await burst(ctx, peer, queryOfOthers(ctx, userId), allowed + 1);
        const elapsed = performance.now() - started;
        expectAccepted(answers.slice(0, allowed), "getUserStatusResponse", "query of others");
        const { retryAfterMs } = expectError(answers[allowed]!, LIMITED, `query ${allowed + 1} in the window`);
        check(retryAfterMs > 0 && retryAfterMs <= window, `retry_after_ms ${retryAfterMs} is not within (0, ${window}]`);
        check(retryAfterMs >= window - elapsed - 50, `retry_after_ms ${retryAfterMs} is shorter than the time until the oldest request leaves the window (about ${Math.round(window - elapsed)} ms)`);
        // Refused requests spend nothing: this one must not push the next acceptance back.
        expectError(await ctx.request(peer, queryOfOthers(ctx, userId)), LIMITED, "a query straight after the refused one");
        // Validation comes before the rate limit (docs/protocol.md §4, order of checks).
        expectError(await ctx.request(peer, { $case: "getUserStatusRequest", value: { userIds: [] } }), ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, "an empty query with the budget spent");
        await ctx.sleep(retryAfterMs + RETRY_MARGIN_MS, "retry_after_ms of the refused query, plus a margin");
        bodyOf(await ctx.request(peer, queryOfOthers(ctx, userId)), "getUserStatusResponse", "the query after retry_after_ms");
      },
    },
    {
      id: "rate.per-operation-class",
      title: "Each operation class has its own budget: with queries exhausted, subscribe and unsubscribe are still accepted",
      rule: "docs/engine.md Rule 9 (queries of others, subscribe, unsubscribe, each counted apart)",
      async run(ctx) {
        const bob = await ctx.login(ctx.user("bob"));
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const answers = await burst(ctx, peer, queryOfOthers(ctx, userId), ctx.limits.rateLimitRequests + 1);
        expectError(answers.at(-1)!, LIMITED, "the query past the budget");
        bodyOf(await ctx.request(peer, { $case: "subscribeUserStatusRequest", value: { userIds: [bob.userId] } }), "subscribeUserStatusResponse", "a subscribe with the query budget spent");
        bodyOf(await ctx.request(peer, { $case: "unsubscribeUserStatusRequest", value: { userIds: [bob.userId] } }), "unsubscribeUserStatusResponse", "an unsubscribe with the query budget spent");
      },
    },
    {
      id: "rate.subscribe-and-unsubscribe-limited",
      title: "Subscribe and unsubscribe are rate limited too: each refuses the request past rate_limit_requests with -20009",
      rule: "docs/protocol.md §4 (subscribe and unsubscribe: rate limited, 20 per 5 s); docs/engine.md Rules 6, 7 and 9",
      async run(ctx) {
        const bob = await ctx.login(ctx.user("bob"));
        const { peer } = await ctx.login(ctx.user("alice"));
        const allowed = ctx.limits.rateLimitRequests;
        const subscribes = await burst(ctx, peer, { $case: "subscribeUserStatusRequest", value: { userIds: [bob.userId] } }, allowed + 1);
        expectAccepted(subscribes.slice(0, allowed), "subscribeUserStatusResponse", "subscribe");
        expectError(subscribes[allowed]!, LIMITED, `subscribe ${allowed + 1} in the window`);
        const unsubscribes = await burst(ctx, peer, { $case: "unsubscribeUserStatusRequest", value: { userIds: [] } }, allowed + 1);
        expectAccepted(unsubscribes.slice(0, allowed), "unsubscribeUserStatusResponse", "unsubscribe");
        expectError(unsubscribes[allowed]!, LIMITED, `unsubscribe ${allowed + 1} in the window`);
      },
    },
    {
      id: "rate.per-user-across-devices",
      title: "All of a user's devices share one budget",
      rule: "docs/engine.md Rule 9 (per user: all of a user's devices share the budget); docs/protocol.md §4 Rate limits",
      async run(ctx) {
        const [phone, laptop] = await ctx.loginPhoneAndLaptop("alice");
        const half = Math.ceil(ctx.limits.rateLimitRequests / 2);
        expectAccepted(await burst(ctx, phone.peer, queryOfOthers(ctx, phone.userId), half), "getUserStatusResponse", "query from the phone");
        const rest = ctx.limits.rateLimitRequests - half;
        const fromLaptop = await burst(ctx, laptop.peer, queryOfOthers(ctx, phone.userId), rest + 1);
        expectAccepted(fromLaptop.slice(0, rest), "getUserStatusResponse", "query from the laptop");
        expectError(fromLaptop[rest]!, LIMITED, "the query past the user's budget, from the second device");
      },
    },
    {
      id: "rate.refused-requests-not-counted",
      title: "Requests refused by validation spend no budget: a full budget of valid requests still passes after them",
      rule: "docs/protocol.md §4 (a refused request does not use up the rate budget); docs/engine.md Rule 9",
      async run(ctx) {
        const { peer, userId } = await ctx.login(ctx.user("alice"));
        const refused = await burst(ctx, peer, { $case: "getUserStatusRequest", value: { userIds: [] } }, ctx.limits.rateLimitRequests);
        refused.forEach((answer, i) => expectError(answer, ErrorCode.ERROR_CODE_INVALID_BATCH_COUNT, `empty query ${i + 1}`));
        const answers = await burst(ctx, peer, queryOfOthers(ctx, userId), ctx.limits.rateLimitRequests + 1);
        expectAccepted(answers.slice(0, -1), "getUserStatusResponse", "valid query after the refused ones");
        expectError(answers.at(-1)!, LIMITED, "the query past the budget");
      },
    },
  ],
};
