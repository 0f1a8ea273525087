import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { ConfigError, EncodeError } from "../../src/codec/errors.js";
import { UserIdSplicer } from "../../bench/alternatives/user-id-splicer.js";
import { StatusEntryCache } from "../../src/fast/entry-cache.js";
import { SplicedStatusEncoder } from "../../src/fast/splice-encoder.js";
import { userError, userStatus } from "../support/arbitraries.js";

const USERS = ["alice", "bob", "carol", "dave", "eve", "中文用户"];

type Op =
  | { kind: "change"; status: UserStatus }
  | { kind: "delete"; userId: string }
  | { kind: "query"; userIds: string[]; errors: UserError[]; requestId: number }
  | { kind: "notify"; userIds: string[] };

const userId = fc.constantFrom(...USERS);
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.tuple(userId, userStatus).map(([id, status]) => ({ kind: "change" as const, status: { ...status, userId: id } })),
  userId.map((id) => ({ kind: "delete" as const, userId: id })),
  fc.record({
    kind: fc.constant("query" as const),
    userIds: fc.array(userId, { maxLength: 10 }),
    errors: fc.array(userError, { maxLength: 2 }),
    requestId: fc.nat(),
  }),
  fc.record({ kind: fc.constant("notify" as const), userIds: fc.array(userId, { maxLength: 4 }) }),
);

function blank(id: string): UserStatus {
  return { userId: id, statusType: 3, customStatus: "", onlineDevices: [], version: 0n, changedAtMs: 0n, reason: 0, epoch: 0n, _unknownFields: {} };
}

/** The bytes a `write*` call left at the start of the encoder's buffer. */
function written(encoder: { buffer: Uint8Array }, length: number): Uint8Array {
  return encoder.buffer.subarray(0, length);
}

describe("cached-splice path by user id (bench/alternatives)", () => {
  it("is byte-identical to ts-proto under every order of changes, deletions, evictions and queries", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 8 }), fc.array(op, { maxLength: 40 }), (maxEntries, ops) => {
        // The source of truth the server keeps; the cache is filled from it on a miss.
        const truth = new Map<string, UserStatus>(USERS.map((id) => [id, blank(id)]));
        const cache = new StatusEntryCache({ maxEntries });
        const encoder = new UserIdSplicer(cache, (id) => truth.get(id)!, 8);
        for (const step of ops) {
          switch (step.kind) {
            case "change":
              truth.set(step.status.userId, step.status);
              cache.put(step.status);
              break;
            case "delete":
              // The user's data is dropped from the cache only; the next query reloads it.
              cache.delete(step.userId);
              break;
            case "query": {
              const response: GetUserStatusResponse = { statuses: step.userIds.map((id) => truth.get(id)!), errors: step.errors };
              expect(written(encoder, encoder.writeGetUserStatusResponse(step.userIds, step.errors))).toEqual(GetUserStatusResponse.encode(response).finish());
              const frame: Frame = { requestId: step.requestId, body: { $case: "getUserStatusResponse", value: response } };
              expect(written(encoder, encoder.writeGetUserStatusResponseFrame(step.requestId, step.userIds, step.errors))).toEqual(Frame.encode(frame).finish());
              break;
            }
            case "notify": {
              const notification: UserStatusChangedNotification = { statuses: step.userIds.map((id) => truth.get(id)!) };
              expect(written(encoder, encoder.writeUserStatusChanged(step.userIds))).toEqual(UserStatusChangedNotification.encode(notification).finish());
              const frame: Frame = { requestId: 0, body: { $case: "userStatusChanged", value: notification } };
              expect(written(encoder, encoder.writeUserStatusChangedFrame(0, step.userIds))).toEqual(Frame.encode(frame).finish());
              break;
            }
          }
          expect(cache.size).toBeLessThanOrEqual(maxEntries);
        }
      }),
      { numRuns: 300 },
    );
  });

  it("loads a user once on a miss, then serves the cached entry", () => {
    const loads: string[] = [];
    const cache = new StatusEntryCache({ maxEntries: 10 });
    const encoder = new UserIdSplicer(cache, (id) => {
      loads.push(id);
      return blank(id);
    });
    encoder.writeGetUserStatusResponse(["alice", "bob", "alice"]);
    encoder.writeGetUserStatusResponse(["bob"]);
    expect(loads).toEqual(["alice", "bob"]);
  });
});

describe("cached-splice path from statuses, entries validated by version", () => {
  // Engine-like history: each change of a user raises that user's version by one.
  const history = fc.array(fc.tuple(userId, userStatus), { maxLength: 30 });

  it("is byte-identical to ts-proto under every order of changes, queries and evictions", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 8 }),
        history,
        fc.array(fc.array(userId, { maxLength: 8 }), { minLength: 1, maxLength: 10 }),
        fc.array(userError, { maxLength: 2 }),
        (maxEntries, changes, queries, errors) => {
          const current = new Map<string, UserStatus>(USERS.map((id) => [id, blank(id)]));
          const cache = new StatusEntryCache({ maxEntries });
          const encoder = new SplicedStatusEncoder(cache, 8);
          changes.forEach(([id, status], i) => {
            current.set(id, { ...status, userId: id, version: current.get(id)!.version + 1n });
            const statuses = queries[i % queries.length]!.map((queried) => current.get(queried)!);
            const frame: Frame = { requestId: i, body: { $case: "getUserStatusResponse", value: { statuses, errors } } };
            const length = encoder.writeGetUserStatusResponseFrameFromStatuses(i, statuses, errors);
            expect(written(encoder, length)).toEqual(Frame.encode(frame).finish());
            const pushed: Frame = { requestId: 0, body: { $case: "userStatusChanged", value: { statuses } } };
            const pushedLength = encoder.writeUserStatusChangedFrameFromStatuses(0, statuses);
            expect(encoder.buffer.subarray(0, pushedLength)).toEqual(Frame.encode(pushed).finish());
            expect(cache.size).toBeLessThanOrEqual(maxEntries);
          });
        },
      ),
      { numRuns: 150 },
    );
  });

  it("reuses an entry of the same user and version, and never one of version 0", () => {
    const cache = new StatusEntryCache({ maxEntries: 4 });
    const v1 = { ...blank("alice"), version: 1n, customStatus: "a" };
    const first = cache.entryFor(v1);
    expect(cache.entryFor({ ...v1 })).toBe(first);
    expect(cache.entryFor({ ...v1, version: 2n, customStatus: "b" })).toEqual(UserStatusChangedNotification.encode({ statuses: [{ ...v1, version: 2n, customStatus: "b" }] }).finish());
    const unversioned = { ...blank("bob"), customStatus: "x" };
    cache.entryFor(unversioned);
    const changed = { ...unversioned, customStatus: "y" };
    expect(cache.entryFor(changed)).toEqual(UserStatusChangedNotification.encode({ statuses: [changed] }).finish());
  });

  it("without a loader, a user-id query of an uncached user is an EncodeError", () => {
    const encoder = new UserIdSplicer(new StatusEntryCache({ maxEntries: 2 }));
    expect(() => encoder.writeGetUserStatusResponse(["nobody"])).toThrow(EncodeError);
  });

  // The documented EncodeError, not a TypeError from reading a field of the entry.
  it.each([null, undefined])("a %s status, error or device is an EncodeError", (missing) => {
    const cache = new StatusEntryCache({ maxEntries: 4 });
    const encoder = new SplicedStatusEncoder(cache);
    const entry = missing as unknown as UserStatus;
    expect(() => cache.put(entry)).toThrow("a statuses entry must be a UserStatus object");
    expect(() => cache.entryFor(entry)).toThrow("a statuses entry must be a UserStatus object");
    expect(() => encoder.writeGetUserStatusResponseFrameFromStatuses(1, [blank("alice"), entry])).toThrow(EncodeError);
    expect(() => encoder.writeUserStatusChangedFrameFromStatuses(0, [entry])).toThrow(EncodeError);
    const errors = [missing] as unknown as UserError[];
    expect(() => encoder.writeGetUserStatusResponseFrameFromStatuses(1, [], errors)).toThrow("a GetUserStatusResponse.errors entry must be a UserError object");
    const onlineDevices = [missing] as unknown as UserStatus["onlineDevices"];
    expect(() => cache.put({ ...blank("bob"), onlineDevices })).toThrow("a UserStatus.onlineDevices entry must be a Device object");
    expect(() => encoder.writeGetUserStatusResponseFrameFromStatuses(1, missing as unknown as UserStatus[])).toThrow("statuses must be an array");
  });

  it("a user id that is not a string is an EncodeError", () => {
    const cache = new StatusEntryCache({ maxEntries: 4 });
    const bad = { ...blank("x"), userId: 42 as unknown as string, version: 3n };
    expect(() => cache.put(bad)).toThrow("UserStatus.userId must be a string, got 42");
    expect(() => cache.entryFor(bad)).toThrow(EncodeError);
    expect(() => new SplicedStatusEncoder(cache).writeUserStatusChangedFrameFromStatuses(0, [bad])).toThrow(EncodeError);
    expect(cache.size).toBe(0);
  });
});

describe("StatusEntryCache", () => {
  it("evicts an entry not read since the clock hand last passed, keeping one that was", () => {
    const cache = new StatusEntryCache({ maxEntries: 3 });
    for (const id of ["a", "b", "c"]) cache.put(blank(id));
    // Everything was just written: one full sweep clears the flags and evicts the first.
    cache.put(blank("d"));
    expect(["a", "b", "c", "d"].filter((id) => cache.has(id))).toEqual(["b", "c", "d"]);
    cache.get("b");
    cache.put(blank("e"));
    expect(["b", "c", "d", "e"].filter((id) => cache.has(id))).toEqual(["b", "d", "e"]);
  });

  it("replaces an entry on put and accounts its bytes", () => {
    const cache = new StatusEntryCache({ maxEntries: 2 });
    const first = cache.put(blank("a"));
    const second = cache.put({ ...blank("a"), customStatus: "a longer custom status" });
    expect(cache.size).toBe(1);
    expect(cache.get("a")).toBe(second);
    expect(cache.bytes).toBe(second.length);
    expect(second.length).toBeGreaterThan(first.length);
    expect(cache.delete("a")).toBe(true);
    expect(cache.delete("a")).toBe(false);
    expect(cache.bytes).toBe(0);
    expect(cache.get("a")).toBeUndefined();
  });

  it("rejects a bound below one entry", () => {
    expect(() => new StatusEntryCache({ maxEntries: 0 })).toThrow(ConfigError);
    expect(() => new StatusEntryCache({ maxEntries: 1.5 })).toThrow(ConfigError);
  });
});

describe("splicing entries the caller holds (bench/alternatives)", () => {
  it("is byte-identical to ts-proto", () => {
    fc.assert(
      fc.property(fc.array(userStatus, { maxLength: 6 }), fc.array(userError, { maxLength: 2 }), (statuses, errors) => {
        const cache = new StatusEntryCache({ maxEntries: 10 });
        const entries = statuses.map((status) => cache.put(status));
        const encoder = new UserIdSplicer(cache, undefined, 4);
        const length = encoder.writeGetUserStatusResponseFromEntries(entries, errors);
        expect(written(encoder, length)).toEqual(GetUserStatusResponse.encode({ statuses, errors }).finish());
      }),
      { numRuns: 200 },
    );
  });
});
