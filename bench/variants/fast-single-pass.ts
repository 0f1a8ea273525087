// src/fast single-pass encoder, returning a view of its reused buffer.
import { StatusBatchEncoder } from "../../src/fast/batch-encoder.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const encoder = new StatusBatchEncoder();
    return returningBytes(() => encoder.encodeGetUserStatusResponseView(dataset.response));
  },
};
