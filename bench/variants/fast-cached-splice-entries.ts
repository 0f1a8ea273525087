// Cached splice without the cache lookups (bench/alternatives/user-id-splicer.ts):
// a server holding each user's cached entry on the record it looks the user
// up in anyway only copies 500 entries.
import { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { UserIdSplicer } from "../alternatives/user-id-splicer.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const cache = new StatusEntryCache({ maxEntries: 10_000 });
    const entries = dataset.response.statuses.map((status) => cache.put(status));
    const encoder = new UserIdSplicer(cache);
    const { errors } = dataset.response;
    const run = (): number => encoder.writeGetUserStatusResponseFromEntries(entries, errors);
    return {
      run,
      bytes: () => {
        const length = run(); // first: the write may replace the buffer
        return encoder.buffer.slice(0, length);
      },
    };
  },
};
