// The cached splice as the reference server runs it (src/fast/splice-encoder.ts
// via src/server/frame-encoder.ts): given the same response object as every
// other encoder, each status's entry is looked up by user id and reused when
// its version matches (StatusEntryCache.entryFor), then copied, inside the
// Frame the server sends (request id 0). The Frame's body tag and length
// prefix are cut off only when the bytes are compared with ts-proto's.
import { SplicedStatusEncoder, StatusEntryCache } from "../../src/fast/index.js";
import { varint32Size } from "../../src/wire/varint.js";
import type { Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset, reference }) => {
    const encoder = new SplicedStatusEncoder(new StatusEntryCache({ maxEntries: 10_000 }));
    const { statuses, errors } = dataset.response;
    const run = (): number => encoder.writeGetUserStatusResponseFrameFromStatuses(0, statuses, errors);
    const frameHeaderBytes = 1 + varint32Size(reference.length);
    return {
      run,
      bytes: () => {
        const length = run(); // first: the write may replace the buffer
        return encoder.buffer.slice(frameHeaderBytes, length);
      },
    };
  },
};
