// What a variant module exports: factories that prepare one operation on the
// shared dataset and return the function the runner times.
import type { Dataset } from "../dataset.js";

export interface VariantContext {
  dataset: Dataset;
  /** The dataset encoded by ts-proto: what every decoder decodes and every encoder must produce. */
  reference: Uint8Array;
  /** Where bench/run.ts put the pbjs and pbf code generated at bench time. */
  generatedDir: string;
}

/** `run` is timed; `bytes` returns what it encoded (checked once against `reference` before timing). */
export interface EncodeOp {
  run: () => unknown;
  bytes: () => Uint8Array;
}

/** The usual case: the operation returns the encoded bytes. */
export function returningBytes(encode: () => Uint8Array): EncodeOp {
  return { run: encode, bytes: encode };
}
/** Returns the decoded message (checked once for 500 statuses before timing). */
export type DecodeOp = () => { statuses: ArrayLike<unknown> };

export interface Variant {
  encode?: (context: VariantContext) => Promise<EncodeOp> | EncodeOp;
  decode?: (context: VariantContext) => Promise<DecodeOp> | DecodeOp;
}
