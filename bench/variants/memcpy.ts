// The floor: copying the finished bytes into a preallocated buffer.
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ reference }) => {
    const target = new Uint8Array(reference.length);
    return returningBytes(() => {
      target.set(reference);
      return target;
    });
  },
};
