// Moved to src/protocol/limits.ts; this re-export goes once every importer has moved.
export { SPEC_LIMITS, resolveLimits, type LimitsConfig } from "../protocol/limits.js";
