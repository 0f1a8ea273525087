// What stands between the fast paths and the targets, measured on the
// bench dataset: the fixed costs every implementation of that step pays.
//   node --import tsx bench/floors.ts
// - decode: creating the response's 1408 strings from UTF-8 (the fast
//   decoder's own routine, and TextDecoder), against the whole fast decode;
// - encode: the whole single-pass encode, for scale, and its fixed parts:
//   reading the strings' UTF-16 units (charCodeAt, what every JS encoder
//   pays), writing them (the fast path's writeString), the 1,150 emptiness
//   checks of `_unknownFields` (for…in);
// - cached splice: 500 Map lookups by user id and 500 Uint8Array#set calls
//   of the cached entries (and, for comparison, the same copies as JS byte
//   loops), against one copy of the whole 32 KB.
import Benchmark from "benchmark";
import { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import { StatusBatchEncoder } from "./alternatives/batch-encoder.js";
import { decodeGetUserStatusResponse } from "../src/fast/decoder.js";
import { StatusEntryCache } from "../src/fast/entry-cache.js";
import { readString } from "../src/fast/strings.js";
import { hasUnknownFields } from "../src/fast/entry.js";
import { ByteWriter, writeString } from "../src/fast/writer.js";
import { makeDataset } from "./dataset.js";

const dataset = makeDataset();
const reference = GetUserStatusResponse.encode(dataset.response).finish();

const strings = dataset.response.statuses.flatMap((s) => [s.userId, s.customStatus, ...s.onlineDevices.map((d) => d.deviceId)]).filter((s) => s !== "");
strings.push(...dataset.response.errors.flatMap((e) => [e.userId, e.message]));
const encoded = strings.map((s) => new TextEncoder().encode(s));
const packed = new Uint8Array(encoded.reduce((sum, e) => sum + e.length, 0));
const offsets: number[] = [0];
for (const e of encoded) {
  packed.set(e, offsets[offsets.length - 1]!);
  offsets.push(offsets[offsets.length - 1]! + e.length);
}
const textDecoder = new TextDecoder();

const cache = new StatusEntryCache({ maxEntries: 10_000 });
const entries = dataset.response.statuses.map((status) => cache.put(status));
const target = new Uint8Array(reference.length * 2);

const encoder = new StatusBatchEncoder();
const stringWriter = new ByteWriter(reference.length * 2);
const unitCount = strings.reduce((sum, s) => sum + s.length, 0);
const messages = dataset.response.statuses.flatMap((s) => [s, ...s.onlineDevices]);

const cases: [string, () => unknown][] = [
  ["encode: whole fast single-pass encode", () => encoder.writeGetUserStatusResponse(dataset.response)],
  [`encode: read ${unitCount} UTF-16 units of ${strings.length} strings (charCodeAt)`, () => {
    let n = 0;
    for (let i = 0; i < strings.length; i++) {
      const s = strings[i]!;
      for (let k = 0; k < s.length; k++) n += s.charCodeAt(k);
    }
    return n;
  }],
  [`encode: write the ${strings.length} strings (writeString)`, () => {
    let pos = 0;
    for (let i = 0; i < strings.length; i++) pos = writeString(stringWriter, stringWriter.buf, pos, strings[i]!);
    return pos;
  }],
  [`encode: ${messages.length} empty _unknownFields checks (for…in)`, () => {
    let n = 0;
    for (let i = 0; i < messages.length; i++) if (hasUnknownFields(messages[i]!._unknownFields)) n++;
    return n;
  }],
  ["decode: whole fast decode", () => decodeGetUserStatusResponse(reference)],
  [`decode: ${strings.length} strings, readString`, () => {
    let n = 0;
    for (let i = 0; i < strings.length; i++) n += readString(packed, offsets[i]!, offsets[i + 1]!).length;
    return n;
  }],
  [`decode: ${strings.length} strings, TextDecoder`, () => {
    let n = 0;
    for (let i = 0; i < strings.length; i++) n += textDecoder.decode(packed.subarray(offsets[i]!, offsets[i + 1]!)).length;
    return n;
  }],
  ["splice: 500 cache.get(userId)", () => {
    let n = 0;
    for (const userId of dataset.userIds) n += cache.get(userId)!.length;
    return n;
  }],
  ["splice: 500 Uint8Array#set of entries", () => {
    let pos = 0;
    for (const entry of entries) {
      target.set(entry, pos);
      pos += entry.length;
    }
    return pos;
  }],
  ["splice: 500 byte-by-byte copy loops", () => {
    let pos = 0;
    for (const entry of entries) {
      for (let k = 0; k < entry.length; k++) target[pos + k] = entry[k]!;
      pos += entry.length;
    }
    return pos;
  }],
  ["splice: one set of the whole 32 KB", () => {
    target.set(reference);
    return target;
  }],
];
for (const [name, fn] of cases) {
  const bench = new Benchmark(name, fn, { maxTime: 2 });
  bench.run();
  const sample = [...bench.stats.sample].sort((a, b) => a - b);
  process.stdout.write(`${name.padEnd(40)} ${(sample[sample.length >> 1]! * 1e6).toFixed(1).padStart(8)} µs\n`);
}
