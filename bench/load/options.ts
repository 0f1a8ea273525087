// The load run's plan from the command line: what to start or target, how
// many connections over how many generator processes (each within the
// descriptor limit), the social graph, the steps and the queries.
import path from "node:path";
import { parseArgs } from "node:util";
import { descriptorLimit } from "../../src/server/descriptors.js";
import { DEV_SECRET } from "../../src/token/token.js";
import { friendsConfig, type GraphPlan } from "./graph.js";

export const USAGE = `usage: npm run load -- [--quick] [--nodes N | --url ws://127.0.0.1:PORT/presence ...] [--connections N] [--writers N]
  [--receivers N] [--subscriptions N] [--friends N] [--generators N] [--concurrency N] [--rates n1,n2,...|0]
  [--step-seconds S] [--hold-seconds S] [--query-rate N] [--query-seconds S] [--beyond N] [--generator-nice N]
  [--profile] [--write-config FILE] [--out FILE]
  --rates are notifications/s to offer, stepped up in order (0: no steps); --query-seconds 0: no queries;
  --nodes N starts a local cluster: a redis-server of its own and N nodes on it, each admitting up to its descriptor
  limit minus a reserve (default connections: that times N), users spread over the nodes, per-node and Redis figures
  reported; --url may repeat (users are spread over the URLs); --hold-seconds: connections held idle but for heartbeats
  before the steps (default 5); --concurrency: connections each generator opens at once (default 200);
  --generator-nice N: the generators' scheduling niceness, 0..19 (default 10): beside the servers on the same cores,
  they take what the servers leave instead of preempting them, as generators on other machines would (0: equal);
  --beyond N opens N connections past the planned ones, to a node that should then be full (a single started server
  is configured with maxConnections = --connections, and probed with 20 by default); --profile takes a CPU profile
  of the started server over each step, the queries and its shutdown (bench/results/load-*.cpuprofile) and lists its
  top functions; a server at --url must accept the secret in PRESENCE_SECRET (or the development one), allow the
  request rates and know the plan's friends (--friends is 0 with --url unless given): --write-config FILE writes the
  configuration the plan needs (start the servers with PRESENCE_CONFIG=FILE) and exits.`;

/** Descriptors a generator keeps for itself (stdio, IPC, the runtime's own). */
const GENERATOR_RESERVE = 100;
/** Descriptors a server keeps for health checks, Redis and files; connections go up to the limit minus this. */
export const SERVER_RESERVE = 500;

const { values: flags } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    url: { type: "string", multiple: true, default: [] },
    nodes: { type: "string" },
    connections: { type: "string" },
    writers: { type: "string" },
    receivers: { type: "string" },
    subscriptions: { type: "string" },
    friends: { type: "string" },
    generators: { type: "string" },
    concurrency: { type: "string" },
    rates: { type: "string" },
    "step-seconds": { type: "string" },
    "hold-seconds": { type: "string" },
    "query-rate": { type: "string" },
    "query-seconds": { type: "string" },
    beyond: { type: "string" },
    "generator-nice": { type: "string" },
    profile: { type: "boolean", default: false },
    "write-config": { type: "string" },
    out: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

function intFlag(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a whole number, got ${value}\n${USAGE}`);
  return n;
}

export const help = flags.help;
export const quick = flags.quick || process.env.LOAD_QUICK === "1";
export const urls = flags.url;
for (const url of urls) {
  const host = new URL(url).hostname;
  if (!/^(127\.\d+\.\d+\.\d+|\[::1\]|localhost)$/.test(host)) throw new Error(`load runs target loopback only; ${url} is not`);
}
/** Nodes of a local cluster to start; 0: one server in memory (or none, with --url). */
export const nodes = intFlag("nodes", flags.nodes, 0);
if (nodes > 0 && urls.length > 0) throw new Error(`--nodes starts its own cluster: it does not take --url\n${USAGE}`);
if (nodes > 16) throw new Error(`--nodes is at most 16, got ${nodes}`);

export const fdLimit = descriptorLimit() ?? 1024;
/** What each started node admits. */
export const perNodeMaximum = fdLimit - SERVER_RESERVE;
const targets = Math.max(1, urls.length, nodes);
export const connections = intFlag("connections", flags.connections, quick ? 600 : targets * perNodeMaximum);
// The default graph shrinks to fit fewer connections: at most half of them write, the rest may receive.
const writers = intFlag("writers", flags.writers, quick ? 50 : Math.min(1000, Math.floor(connections / 2)));
export const graph: GraphPlan = {
  users: connections,
  writers,
  receivers: intFlag("receivers", flags.receivers, quick ? 400 : Math.min(10_000, connections - writers)),
  subscriptionsPerReceiver: intFlag("subscriptions", flags.subscriptions, quick ? 10 : 50),
  // The servers at --url know no friends unless started with this plan's --write-config.
  friendsPerWriter: intFlag("friends", flags.friends, urls.length > 0 ? 0 : quick ? 2 : 5),
};
if (graph.writers + graph.receivers > connections) throw new Error(`--writers plus --receivers (${graph.writers + graph.receivers}) exceed --connections (${connections})`);
if (connections > targets * perNodeMaximum) {
  process.stderr.write(`warning: ${connections} connections exceed ${targets} node(s) x ${perNodeMaximum} (descriptor limit ${fdLimit} minus ${SERVER_RESERVE} in reserve)\n`);
}
export const generators = Math.max(intFlag("generators", flags.generators, 2), Math.ceil(connections / (fdLimit - GENERATOR_RESERVE)));
export const concurrency = intFlag("concurrency", flags.concurrency, quick ? 50 : 200);
const rates = flags.rates ?? (quick ? "2000,4000" : "10000,20000,35000,50000,70000,100000");
export const notificationRates = rates === "0" ? [] : rates.split(",").map((r) => intFlag("rates", r, 0));
export const stepMs = 1000 * intFlag("step-seconds", flags["step-seconds"], quick ? 2 : 10);
export const holdMs = 1000 * intFlag("hold-seconds", flags["hold-seconds"], quick ? 1 : 5);
export const queryRate = intFlag("query-rate", flags["query-rate"], quick ? 100 : 2000);
export const queryMs = 1000 * intFlag("query-seconds", flags["query-seconds"], quick ? 2 : 10);
export const drainMs = quick ? 5_000 : 10_000;
export const secret = process.env.PRESENCE_SECRET ?? DEV_SECRET;
export const profile = flags.profile;
export const generatorNice = intFlag("generator-nice", flags["generator-nice"], 10);
if (generatorNice > 19) throw new Error(`--generator-nice is at most 19, got ${generatorNice}`);
export const writeConfig = flags["write-config"];
const defaultOut = quick ? (nodes > 0 ? "load-cluster-quick.json" : "load-quick.json") : nodes > 0 ? "load-cluster.json" : "load.json";
export const outFile = flags.out ?? path.join(import.meta.dirname, "..", "results", defaultOut);
/** Probes past the maximum only where one server is full at the planned connections. */
export const beyond = intFlag("beyond", flags.beyond, urls.length === 0 && nodes === 0 ? 20 : 0);
/** The whole run's bound. */
export const runBoundMs = (quick ? 120 : nodes > 0 ? 900 : 1800) * 1000;

/** The server configuration the plan needs: its friends, and the rate limit out of the way. */
export function serverConfig() {
  return {
    logLevel: "warn",
    app: { plan: "premium", featureEnabled: true, friendAutoNotify: true, limits: { rateLimitRequests: 1_000_000_000 } },
    friends: friendsConfig(graph),
  };
}
