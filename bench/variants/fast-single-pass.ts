// The single-pass encoder (bench/alternatives/batch-encoder.ts), returning a
// view of its reused buffer (one small view object per call).
import { StatusBatchEncoder } from "../alternatives/batch-encoder.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const encoder = new StatusBatchEncoder();
    return returningBytes(() => {
      const length = encoder.writeGetUserStatusResponse(dataset.response);
      return encoder.buffer.subarray(0, length);
    });
  },
};
