// src/fast cached-splice path without the cache lookups: the server holds each
// user's cached entry on the record it looks the user up in anyway, so the
// encoder only copies 500 entries.
import { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { SplicedStatusEncoder } from "../../src/fast/splice-encoder.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const cache = new StatusEntryCache({ maxEntries: 10_000 });
    const entries = dataset.response.statuses.map((status) => cache.put(status));
    const encoder = new SplicedStatusEncoder(cache, () => {
      throw new Error("every entry is cached");
    });
    const { errors } = dataset.response;
    const run = (): number => encoder.writeGetUserStatusResponseFromEntries(entries, errors);
    return { run, bytes: () => encoder.buffer.slice(0, run()) };
  },
};
