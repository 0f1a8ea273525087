// The single-pass encoder (bench/alternatives/batch-encoder.ts), write form:
// the bytes stay in the encoder's buffer and nothing at all is allocated per call.
import { StatusBatchEncoder } from "../alternatives/batch-encoder.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const encoder = new StatusBatchEncoder();
    const run = (): number => encoder.writeGetUserStatusResponse(dataset.response);
    return {
      run,
      bytes: () => {
        const length = run(); // first: the write may replace the buffer
        return encoder.buffer.slice(0, length);
      },
    };
  },
};
