// In-process timing of one operation on the bench dataset, for quick
// before/after comparisons while tuning (the suite of record is `npm run bench`).
// One operation per process, so none measures another's garbage or JIT state:
//   node --import tsx bench/quick.ts <op> [rounds]
// ops: ts-encode fast-encode fast-encode-plain splice splice-statuses splice-entries memcpy ts-decode fast-decode
// (fast-encode-plain: the same statuses without `_unknownFields`, as the engine builds them)
// Prints the minimum and the median of `rounds` (default 21) rounds of 200 calls.
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import { decodeGetUserStatusResponse, SplicedStatusEncoder, StatusEntryCache } from "../src/fast/index.js";
import { StatusBatchEncoder } from "./alternatives/batch-encoder.js";
import { UserIdSplicer } from "./alternatives/user-id-splicer.js";
import { makeDataset } from "./dataset.js";

const dataset = makeDataset();
const { response, userIds } = dataset;
const bytes = GetUserStatusResponse.encode(response).finish();
const encoder = new StatusBatchEncoder();
const cache = new StatusEntryCache({ maxEntries: 10_000 });
const entries = response.statuses.map((status) => cache.put(status));
const byUserId = new UserIdSplicer(cache);
const byStatus = new SplicedStatusEncoder(cache);
const target = new Uint8Array(bytes.length);
// Object literals in one shape, as UserState.snapshot() builds them (rest/spread copies would not be).
const plain = {
  statuses: response.statuses.map((s) => ({
    userId: s.userId,
    statusType: s.statusType,
    customStatus: s.customStatus,
    onlineDevices: s.onlineDevices.map((d) => ({ deviceId: d.deviceId, platform: d.platform })),
    version: s.version,
    changedAtMs: s.changedAtMs,
    reason: s.reason,
    epoch: s.epoch,
  })),
  errors: response.errors,
};

const ops: Record<string, () => unknown> = {
  "ts-encode": () => GetUserStatusResponse.encode(response).finish(),
  "fast-encode": () => encoder.writeGetUserStatusResponse(response),
  "fast-encode-plain": () => encoder.writeGetUserStatusResponse(plain),
  splice: () => byUserId.writeGetUserStatusResponse(userIds, response.errors),
  "splice-statuses": () => byStatus.writeGetUserStatusResponseFrameFromStatuses(0, response.statuses, response.errors),
  "splice-entries": () => byUserId.writeGetUserStatusResponseFromEntries(entries, response.errors),
  memcpy: () => target.set(bytes),
  "ts-decode": () => GetUserStatusResponse.decode(bytes),
  "fast-decode": () => decodeGetUserStatusResponse(bytes),
};
const name = process.argv[2] ?? "";
const op = ops[name];
if (op === undefined) throw new Error(`usage: bench/quick.ts <${Object.keys(ops).join("|")}> [rounds]`);
const rounds = Number(process.argv[3] ?? 21);
for (let i = 0; i < 3000; i++) op();
const times: number[] = [];
for (let r = 0; r < rounds; r++) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < 200; i++) op();
  times.push(Number(process.hrtime.bigint() - start) / 200 / 1000);
}
times.sort((a, b) => a - b);
process.stdout.write(`${name.padEnd(15)} min ${times[0]!.toFixed(1).padStart(7)} µs  median ${times[rounds >> 1]!.toFixed(1).padStart(7)} µs\n`);
