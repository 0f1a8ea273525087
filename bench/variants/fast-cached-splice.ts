// Cached splice by user id (bench/alternatives/user-id-splicer.ts): every
// user's entry already cached (statuses change far less often than they are
// queried); a query is 500 cache lookups (Map.get by user id) and 500 copies,
// returned as a view.
import { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { UserIdSplicer } from "../alternatives/user-id-splicer.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const byUserId = new Map(dataset.response.statuses.map((s) => [s.userId, s]));
    const cache = new StatusEntryCache({ maxEntries: 10_000 });
    for (const status of dataset.response.statuses) cache.put(status);
    const encoder = new UserIdSplicer(cache, (userId) => byUserId.get(userId)!);
    const { userIds } = dataset;
    const { errors } = dataset.response;
    return returningBytes(() => {
      const length = encoder.writeGetUserStatusResponse(userIds, errors);
      return encoder.buffer.subarray(0, length);
    });
  },
};
