#!/usr/bin/env node
// `npm start`: the reference server on localhost with the in-memory store.
import { PresenceWireError } from "../codec/errors.js";
import { loadServerConfig } from "./config.js";
import { jsonLogger } from "./log.js";
import { startPresenceServer } from "./server.js";
import { createToken } from "../token/token.js";

async function main(): Promise<void> {
  const config = loadServerConfig();
  const logger = jsonLogger(config.logLevel);
  const server = await startPresenceServer({ ...config, logger });
  const health = server.url.replace(/^ws/, "http").replace(config.path, "/healthz");
  // For scripts (PRESENCE_PORT=0 picks a free port): one JSON line on standard output, whatever the log level.
  process.stdout.write(`${JSON.stringify({ event: "listening", url: server.url, port: server.port, health })}\n`);
  const lines = [
    "",
    `presence.v1 reference server listening on ${server.url}`,
    `  health:   ${health}`,
    `  metrics:  ${health.replace("/healthz", "/metrics")}`,
    `  console:  ${config.adminKey ? health.replace("/healthz", "/console") : "off (set PRESENCE_ADMIN_KEY)"}`,
    `  plan:     ${server.engine.settings.plan}, feature switch ${server.engine.settings.featureEnabled ? "on" : "off"}, friend auto-notification ${server.engine.settings.friendAutoNotify ? "on" : "off"}`,
    `  tokens:   npm run cli -- token <userId>`,
  ];
  if (config.devSecret) {
    const token = createToken({ userId: "alice", expiresAtMs: Date.now() + 24 * 3600_000 }, config.secret);
    lines.push(`  dev token for "alice", valid 24 h: ${token}`);
    lines.push("  WARNING: development secret in use; set PRESENCE_SECRET for anything real.");
  }
  lines.push(`  demo:     npm run demo -- --url ${server.url}   (or npm run demo: its own server, 3 s heartbeat timeout)`, "  stop:     Ctrl-C", "");
  process.stderr.write(lines.join("\n") + "\n");

  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.log("info", "signal received", { signal });
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        logger.log("error", "shutdown failed", { error: String(error) });
        process.exit(1);
      },
    );
  };
  process.on("SIGINT", () => stop("SIGINT"));
  process.on("SIGTERM", () => stop("SIGTERM"));
}

main().catch((error: unknown) => {
  process.stderr.write(`presence server: ${error instanceof PresenceWireError ? error.message : String(error)}\n`);
  process.exit(1);
});
