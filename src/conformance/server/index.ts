// Server conformance: every rule family, in the order the report lists them.
import type { CaseFamily } from "./case.js";
import { framing } from "./cases/framing.js";
import { friends } from "./cases/friends.js";
import { liveness } from "./cases/liveness.js";
import { notifications } from "./cases/notifications.js";
import { operations } from "./cases/operations.js";
import { rateLimit } from "./cases/rate-limit.js";
import { sessions } from "./cases/sessions.js";
import { switches } from "./cases/switches.js";

export const SERVER_FAMILIES: readonly CaseFamily[] = [sessions, framing, operations, rateLimit, notifications, liveness, switches, friends];

export { runServerConformance, type ServerRunOptions } from "./runner.js";
export { hmacTokens, commandTokens, type TokenSource } from "./tokens.js";
export type { ServerTarget } from "./target.js";
export type { CaseFamily, ServerCase } from "./case.js";
