// Typed errors of the conformance kit, in the package's PresenceWireError family.
import { PresenceWireError } from "../codec/errors.js";

/** An expectation of the spec that the implementation under test did not meet: the case FAILs with this message. */
export class CheckFailure extends PresenceWireError {}

/** A case that cannot run against this target (a missing option, a wait over --max-wait): the case is SKIPPED. */
export class CaseSkipped extends PresenceWireError {}

/** Bad kit input: an unknown option, a token command that fails, a target that cannot be reached at all. */
export class ConformanceSetupError extends PresenceWireError {}

/** Fails the case with `message` unless `condition` holds. */
export function check(condition: boolean, message: string): asserts condition {
  if (!condition) throw new CheckFailure(message);
}
