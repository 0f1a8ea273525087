// Server conformance: every rule family, in the order the report lists them.
import type { CaseFamily } from "./case.js";
import { framing } from "./cases/framing.js";
import { operations } from "./cases/operations.js";
import { sessions } from "./cases/sessions.js";

export const SERVER_FAMILIES: readonly CaseFamily[] = [sessions, framing, operations];

export { runServerConformance, type ServerRunOptions } from "./runner.js";
export { hmacTokens, commandTokens, type TokenSource } from "./tokens.js";
export type { ServerTarget } from "./target.js";
export type { CaseFamily, ServerCase } from "./case.js";
