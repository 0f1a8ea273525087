// src/fast cached-splice path as the reference server runs it: given the
// same response object as every other encoder, each status's entry is looked
// up by user id and reused when its version matches
// (StatusEntryCache.entryFor), then copied.
import { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { SplicedStatusEncoder } from "../../src/fast/splice-encoder.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const encoder = new SplicedStatusEncoder(new StatusEntryCache({ maxEntries: 10_000 }));
    const { statuses, errors } = dataset.response;
    const run = (): number => encoder.writeGetUserStatusResponseFromStatuses(statuses, errors);
    return { run, bytes: () => encoder.buffer.slice(0, run()) };
  },
};
