// The hand-tuned codecs of the 500-user query path (issue 3). See
// docs/performance.md for what each is for and what it costs.
export {
  StatusBatchEncoder,
  encodeGetUserStatusResponse,
  encodeStatusFrame,
  encodeUserStatusChanged,
  type StatusFrame,
} from "./batch-encoder.js";
export { StatusEntryCache, type StatusEntryCacheOptions } from "./entry-cache.js";
export { SplicedStatusEncoder, type StatusLoader } from "./splice-encoder.js";
export {
  decodeGetUserStatusResponse,
  decodeStatusFrame,
  decodeUserStatusChanged,
  type DecodedStatusFrame,
} from "./decoder.js";
