// Client conformance: every scenario family, in the order the report lists them.
import type { ClientCaseFamily } from "./case.js";
import { liveness } from "./cases/liveness.js";
import { reconnect } from "./cases/reconnect.js";
import { requests } from "./cases/requests.js";
import { robustness } from "./cases/robustness.js";

export const CLIENT_FAMILIES: readonly ClientCaseFamily[] = [requests, liveness, reconnect, robustness];

export { runClientConformance, type ClientRunOptions, type ClientTarget } from "./runner.js";
export type { ClientCase, ClientCaseFamily } from "./case.js";
export type { DriverCommand, DriverEvent, DriverStatus } from "./driver-protocol.js";
