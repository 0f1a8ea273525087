// The fast path of the 500-user query, as the server and a client use it:
// the entry cache, the splicing encoder of the two status frames, and the
// decoders (a client's of the answers, the server's of the query). See
// docs/performance.md for what each costs; the benchmark's alternative call
// forms live in bench/alternatives/.
export { StatusEntryCache, type StatusEntryCacheOptions } from "./entry-cache.js";
export { SplicedStatusEncoder } from "./splice-encoder.js";
export {
  decodeGetUserStatusResponse,
  decodeStatusFrame,
  decodeUserStatusChanged,
  type DecodedStatusFrame,
} from "./decoder.js";
export { decodeQueryFrame } from "./request-decoder.js";
