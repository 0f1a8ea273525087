// The single-pass encoder (bench/alternatives/batch-encoder.ts), returning an
// owned copy (one allocation of the output).
import { StatusBatchEncoder } from "../alternatives/batch-encoder.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const encoder = new StatusBatchEncoder();
    return returningBytes(() => {
      const length = encoder.writeGetUserStatusResponse(dataset.response);
      return encoder.buffer.slice(0, length);
    });
  },
};
