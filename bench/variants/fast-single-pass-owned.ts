// src/fast single-pass encoder, returning an owned copy (one allocation of the output).
import { encodeGetUserStatusResponse } from "../../src/fast/batch-encoder.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => returningBytes(() => encodeGetUserStatusResponse(dataset.response)),
};
