// Typed errors of the conformance kit, in the package's PresenceWireError family.
import { PresenceWireError } from "../codec/errors.js";

/** An expectation of the spec that the implementation under test did not meet: the case FAILs with this message. */
export class CheckFailure extends PresenceWireError {}

/** A case that cannot run against this target (a missing option, a wait over --max-wait): the case is SKIPPED. */
export class CaseSkipped extends PresenceWireError {}

/** A target the kit cannot work with at all: a token command that fails, a server it cannot log in to, a driver that does not start. */
export class ConformanceSetupError extends PresenceWireError {}

/** A command line the kit cannot run: a missing or unknown option, a bad value. */
export class ConformanceUsageError extends PresenceWireError {}

/** Fails the case with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}
