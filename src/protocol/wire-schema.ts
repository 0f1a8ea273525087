// The wire shape of every message reachable from presence.v1.Frame, generated
// from proto/: what the strict decoder and canonical JSON check frames against.
export { WIRE_SCHEMA } from "../../generated/spec/presence/v1/spec.js";
