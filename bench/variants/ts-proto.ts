// The generated ts-proto codec (forceLong=bigint): the reference.
import { GetUserStatusResponse } from "../../generated/ts-proto/presence/v1/operations.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => returningBytes(() => GetUserStatusResponse.encode(dataset.response).finish()),
  decode: ({ reference }) => () => GetUserStatusResponse.decode(reference),
};
