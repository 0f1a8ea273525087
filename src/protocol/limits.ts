// The limits of the specification, as TypeScript constants. They are
// generated from the `spec_default` options in proto/presence/v1/session.proto,
// the one place the numbers are written.
import { SPEC_LIMITS } from "../../generated/spec/presence/v1/spec.js";
import type { Limits } from "../../generated/ts-proto/presence/v1/session.js";
import { ConfigError } from "../codec/errors.js";

export { SPEC_LIMITS };

/** The limits a server enforces; every field defaults to its spec value. */
export type LimitsConfig = { -readonly [K in keyof typeof SPEC_LIMITS]: number };

/** The spec's limits with some overridden, e.g. a shorter heartbeat timeout in a demo. */
export function resolveLimits(overrides: Partial<LimitsConfig> = {}): LimitsConfig {
  const limits: LimitsConfig = { ...SPEC_LIMITS };
  for (const [key, value] of Object.entries(overrides) as [keyof LimitsConfig, number | undefined][]) {
    if (value === undefined) continue;
    if (!(key in SPEC_LIMITS)) throw new ConfigError(`unknown limit ${String(key)}`);
    if (!Number.isSafeInteger(value) || value <= 0 || value > 0xffffffff) {
      throw new ConfigError(`limit ${key} must be an integer in 1..2^32-1, got ${value}`);
    }
    limits[key] = value;
  }
  return limits;
}

/** The limits a server announced at login; one it does not announce (0, e.g. an older server) takes its spec default. */
export function announcedLimits(announced: Limits | undefined): LimitsConfig {
  const limits: LimitsConfig = { ...SPEC_LIMITS };
  if (!announced) return limits;
  for (const key of LIMIT_NAMES) if (announced[key] > 0) limits[key] = announced[key];
  return limits;
}

const LIMIT_NAMES = Object.keys(SPEC_LIMITS) as (keyof LimitsConfig)[];
