// The boundary between the rules and the presence data they read and change.
// Every method is asynchronous and costs one round trip to a shared store
// (Redis: one command, one pipeline or one script call), so the engine runs
// the same TypeScript rules over memory or over a store shared by many nodes.
//
// Atomicity is optimistic: a transition reads cells with their revision,
// applies a rule in TypeScript, and commits its writes only if no cell it read
// moved since (compare-and-set), else it reads again and retries. A Redis store
// implements `commit` as one generic script (check each revision, write each
// value), knowing nothing of presence. The alternative, a Lua script per
// transition, would keep a second copy of every rule in another language that
// the rule tests, traces and property test do not exercise. A failed commit
// means another transition committed, so the system as a whole always
// progresses: retries need no backoff, only a bound.
//
// Round trips per operation (reads of independent keys are one pipeline):
//   query (self or 500 others)  1 read of every record (MGET), sent with the rate limit's
//   rate-limited operation      +1: the window's atomic count (acquire)
//   login / set status / loss   2: the record, then its commit (+2 to notify)
//   subscribe                   4: existence, the list, its commit, the snapshot
//   unsubscribe                 2: the list, then its commit
//   retention expiry            2: record, list and windows, then one commit
//   notification                2: subscribers of the changed users, receivers' records
//                               (0 over the in-memory store: recipient-index.ts)
// Keys are per user (a Redis layout would hash-tag them `{userId}`), so every
// commit touches one user's keys and stays within one Redis Cluster slot.
import type { Platform, StatusChangeReason, UserStatusType } from "../../generated/ts-proto/presence/v1/status.js";
import type { OperationClass } from "../protocol/requests.js";
import type { AppConfig } from "./config.js";
import type { RateDecision } from "./rate-limiter.js";

/** The name the transport gives one connection; unique within its node. */
export type ConnectionId = string;

/** One logged-in device, and where its connection is held. */
export interface DeviceSession {
  readonly deviceId: string;
  readonly platform: Platform;
  readonly nodeId: string;
  readonly connectionId: ConnectionId;
}

/** One user's presence as stored. Records are values: nobody changes one after writing or reading it. */
export interface UserRecord {
  readonly userId: string;
  /** Logged-in devices in login order. */
  readonly devices: readonly DeviceSession[];
  readonly customStatus: string;
  /** The status type while no device is logged in: OFFLINE or UNLOGINED. */
  readonly disconnectedType: UserStatusType;
  readonly version: bigint;
  readonly changedAtMs: bigint;
  readonly reason: StatusChangeReason;
  /** When the user's subscription list is cleared unless a device logs in first. */
  readonly retainUntilMs: number | undefined;
}

/** A value with the revision it was read at; revision 0 means never written (value undefined). */
export interface Cell<T> {
  readonly value: T | undefined;
  readonly revision: number;
}

/** A write that applies only if the cell is still at `revision`. An empty list deletes the cell. */
export type StoreWrite =
  | { readonly kind: "user"; readonly userId: string; readonly revision: number; readonly value: UserRecord }
  | { readonly kind: "subscriptions"; readonly userId: string; readonly revision: number; readonly value: readonly string[] }
  | {
      readonly kind: "rate";
      readonly userId: string;
      readonly operation: OperationClass;
      readonly revision: number;
      /** Accepted request times, oldest first. */
      readonly value: readonly number[];
    };

export interface PresenceStore {
  /**
   * The generation of the data (UserStatus.epoch): it changes whenever the
   * store starts afresh, since versions then start again. 0 announces none.
   */
  readonly epoch: bigint;
  readUser(userId: string): Promise<Cell<UserRecord>>;
  /** Hands every record (undefined where none) to `each`, in argument order: one round trip however many ids. */
  readUsers(userIds: readonly string[], each: (record: UserRecord | undefined, index: number) => void): Promise<void>;
  /** A subscriber's list, earliest subscribed first. */
  readSubscriptions(userId: string): Promise<Cell<readonly string[]>>;
  /** Who subscribes each of the given users, in argument order (the store keeps this index with the lists). */
  subscribersOf(userIds: readonly string[]): Promise<string[][]>;
  readRateWindows(userId: string, operations: readonly OperationClass[]): Promise<Cell<readonly number[]>[]>;
  /**
   * Counts a request at `nowMs` against the user's window of `operation` if
   * fewer than `limit` were accepted in the last `windowMs` (rule 9, the
   * sliding log of `admit`), atomically: one round trip, the window shared by
   * every node. The rule is this one sliding log; a store that runs it
   * elsewhere (a Redis script) runs the same rate-limit rule tests.
   */
  acquire(userId: string, operation: OperationClass, nowMs: number, limit: number, windowMs: number): Promise<RateDecision>;
  /** Applies every write, or none if any cell moved since it was read; resolves whether it applied. */
  commit(writes: readonly StoreWrite[]): Promise<boolean>;
  /** The switches last written by any node; empty before the first write. */
  readSettings(): Promise<Partial<AppConfig>>;
  /** Stores the settings (switches, plan, limits) for every engine sharing the store. */
  writeSettings(settings: AppConfig): Promise<void>;
  /** Entries in every subscriber's list, for operators; a store that cannot count them cheaply leaves it out. */
  countSubscriptions?(): Promise<number>;
}

/**
 * The store cannot be reached now (a shared store's link is down): a request
 * is answered TEMPORARILY_UNAVAILABLE with `retryAfterMs`.
 */
export class StoreUnavailableError extends Error {
  constructor(
    message: string,
    readonly retryAfterMs: number,
  ) {
    super(message);
  }
}

/** A transition still contended after its attempts: answered as an internal error (retry with backoff). */
export class StoreContentionError extends Error {}

const MAX_ATTEMPTS = 8;

/**
 * Runs a read-apply-commit transition until it commits. `attempt` reads what
 * it needs, applies the rule and returns its writes with its result; it must
 * change nothing else, since it may run again.
 */
export async function transact<T>(store: PresenceStore, attempt: () => Promise<{ writes: StoreWrite[]; result: T }>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i++) {
    const { writes, result } = await attempt();
    if (writes.length === 0 || (await store.commit(writes))) return result;
  }
  throw new StoreContentionError(`no commit after ${MAX_ATTEMPTS} attempts`);
}
