// npm run cluster [-- --nodes <n>] [-- --redis-url <url>]
//
// A local cluster to try: a redis-server of its own (the Debian package's,
// append-only file on, in a temporary directory) unless --redis-url names
// one, and n server nodes (default 3) on free loopback ports, each its own
// process sharing that Redis. Prints the nodes' addresses; Ctrl-C stops
// everything by PID. Every node accepts the same tokens (the development
// secret unless PRESENCE_SECRET is set).
import { parseArgs } from "node:util";
import { startLocalRedis, type LocalRedis } from "./local-redis.js";
import { startNodeProcess, type NodeProcess } from "./node-process.js";

const { values } = parseArgs({ options: { nodes: { type: "string", default: "3" }, "redis-url": { type: "string" } } });
const count = Number(values.nodes);
if (!Number.isInteger(count) || count < 1 || count > 16) {
  process.stderr.write(`--nodes must be an integer in 1..16, got ${values.nodes}\n`);
  process.exit(2);
}

let redis: LocalRedis | undefined;
const nodes: NodeProcess[] = [];
let stopping = false;

async function stop(code: number): Promise<never> {
  if (!stopping) {
    stopping = true;
    await Promise.all(nodes.map((node) => node.kill("SIGTERM")));
    await redis?.stop();
  }
  process.exit(code);
}
process.on("SIGINT", () => void stop(0));
process.on("SIGTERM", () => void stop(0));

try {
  redis = values["redis-url"] ? undefined : await startLocalRedis({ persistence: true });
  const redisUrl = values["redis-url"] ?? redis!.url;
  for (let i = 0; i < count; i++) nodes.push(await startNodeProcess({ PRESENCE_REDIS_URL: redisUrl, PRESENCE_NODE_ID: `node-${i + 1}` }, { inheritOutput: true }));
  const lines = ["", `presence.v1 cluster: ${count} nodes sharing ${redisUrl}${redis ? ` (redis-server pid ${redis.pid})` : ""}`];
  nodes.forEach((node, i) => lines.push(`  node-${i + 1}: ${node.url}   (pid ${node.pid}, health ${node.url.replace(/^ws/, "http").replace(/\/presence$/, "/healthz")})`));
  lines.push("  tokens:  npm run cli -- token <userId>", `  try:     npm run demo -- --url ${nodes[0]!.url}`, "  stop:    Ctrl-C", "");
  process.stderr.write(lines.join("\n") + "\n");
} catch (error) {
  process.stderr.write(`cluster: ${error instanceof Error ? error.message : String(error)}\n`);
  await stop(1);
}
