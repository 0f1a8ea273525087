// Heartbeats and dead links, with the interval the server announces
// (docs/protocol.md §3.3; session.proto Limits.heartbeat_interval_ms, Pong).
import { check } from "../../errors.js";
import type { ClientCaseFamily } from "../case.js";

const INTERVAL_MS = 500;
const TIMEOUT_MS = 1600;
/** Lateness allowed on a loaded machine beyond the interval the client must keep. */
const MARGIN_MS = 1000;

export const liveness: ClientCaseFamily = {
  name: "client-liveness",
  cases: [
    {
      id: "client.pings-at-announced-interval",
      title: "An idle client pings at the heartbeat_interval_ms the server announced at login",
      rule: "docs/protocol.md §3.3; session.proto Limits.heartbeat_interval_ms (the interval the client must use)",
      async run(ctx) {
        const connection = await ctx.login({ heartbeatIntervalMs: INTERVAL_MS, heartbeatTimeoutMs: TIMEOUT_MS });
        const loggedInAt = ctx.log.elapsedMs();
        const pings = await connection.waitFor(() => (connection.pings().length >= 4 ? connection.pings() : undefined), 4 * INTERVAL_MS + 2 * MARGIN_MS, "four pings");
        const times = [loggedInAt, ...pings.slice(0, 4).map((p) => p.atMs)];
        const gaps = times.slice(1).map((t, i) => t - times[i]!);
        check(gaps.every((gap) => gap <= INTERVAL_MS + MARGIN_MS), `gaps between pings ${gaps.join(", ")} ms; the announced interval is ${INTERVAL_MS} ms`);
        check(gaps.slice(1).every((gap) => gap >= INTERVAL_MS / 2), `gaps between pings ${gaps.join(", ")} ms: far more often than the announced ${INTERVAL_MS} ms`);
      },
    },
    {
      id: "client.dead-link-reconnects",
      title: "A client that gets nothing back within one interval after a ping treats the link as dead, closes it and reconnects",
      rule: "docs/protocol.md §3.3; session.proto Pong (no Pong nor any other frame within one heartbeat interval after a ping)",
      async run(ctx) {
        const connection = await ctx.login({ heartbeatIntervalMs: INTERVAL_MS, heartbeatTimeoutMs: TIMEOUT_MS });
        connection.answerPings = false;
        const silentSince = ctx.log.elapsedMs();
        ctx.log.event(connection.label, "the server now answers nothing");
        const unanswered = () => connection.pings().find((p) => p.atMs >= silentSince);
        const ping = await connection.waitFor(unanswered, INTERVAL_MS + MARGIN_MS, "a ping");
        const closedAt = await connection.waitFor(() => connection.closedAtMs, INTERVAL_MS + MARGIN_MS, "the client closing the silent link");
        check(closedAt - ping.atMs >= INTERVAL_MS * 0.9, `the client gave up ${closedAt - ping.atMs} ms after its ping, before one interval (${INTERVAL_MS} ms)`);
        await ctx.acceptLogin(await ctx.server.nextConnection(10_000, "new connection after the dead link"));
      },
    },
  ],
};
