// src/fast single-pass encoder, write* form: the bytes stay in the encoder's
// buffer and nothing at all is allocated per call.
import { StatusBatchEncoder } from "../../src/fast/batch-encoder.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const encoder = new StatusBatchEncoder();
    const run = (): number => encoder.writeGetUserStatusResponse(dataset.response);
    return { run, bytes: () => encoder.buffer.slice(0, run()) };
  },
};
