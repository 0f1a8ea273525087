// src/fast cached-splice path: every user's entry already cached (statuses
// change far less often than they are queried); a query is 500 cache lookups
// (Map.get by user id) and 500 copies, returned as a view.
import { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { SplicedStatusEncoder } from "../../src/fast/splice-encoder.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const byUserId = new Map(dataset.response.statuses.map((s) => [s.userId, s]));
    const cache = new StatusEntryCache({ maxEntries: 10_000 });
    for (const status of dataset.response.statuses) cache.put(status);
    const encoder = new SplicedStatusEncoder(cache, (userId) => byUserId.get(userId)!);
    const { userIds } = dataset;
    const { errors } = dataset.response;
    return returningBytes(() => encoder.encodeGetUserStatusResponseView(userIds, errors));
  },
};
