// src/fast decoder.
import { decodeGetUserStatusResponse } from "../../src/fast/decoder.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  decode: ({ reference }) => () => decodeGetUserStatusResponse(reference),
};
