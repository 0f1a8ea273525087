// Each user's status kept pre-encoded as a complete `statuses` entry
// (tag 0x0a, length, UserStatus), so a query is answered by splicing bytes.
//
// Invalidation: an entry is a pure function of one UserStatus value. Two ways
// to keep entries current:
// - explicit: call `put(status)` on every change of a user's status (the same
//   place the change notification is produced) and `delete(userId)` when the
//   user is removed; `get(userId)` then serves the current entry;
// - by version: `entryFor(status)` serves the cached entry only when it was
//   encoded from the same user at the same version, and re-encodes otherwise.
//   This relies on the spec's rule that a user's `version` grows on every
//   visible change (docs/engine.md); a status without a version (0n) is
//   always encoded afresh.
// The cache never reads the source of truth by itself, and mutating a
// UserStatus object in place after `put` does not update its entry. Entries
// are the same bytes in GetUserStatusResponse and UserStatusChangedNotification
// (both use field 1), and do not depend on the query.
//
// Bounded memory: at most `maxEntries` users; inserting past that evicts one
// entry chosen by CLOCK (second chance), an LRU approximation whose read path
// is one flag store instead of LRU's reordering on every hit.
import type { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { ConfigError } from "../codec/errors.js";
import { writeUserStatusEntry } from "./entry.js";
import { ByteWriter, fieldError } from "./writer.js";

class Slot {
  constructor(
    public userId: string,
    public entry: Uint8Array,
    /** The `version` the entry was encoded from. */
    public version: bigint,
    /** Set on every read or write; cleared as the clock hand passes. */
    public referenced: boolean,
    /** Position in `slots`. */
    public index: number,
  ) {}
}

export interface StatusEntryCacheOptions {
  /** Most users kept; at least 1. */
  maxEntries: number;
}

export class StatusEntryCache {
  readonly maxEntries: number;
  private readonly byUserId = new Map<string, Slot>();
  private readonly slots: Slot[] = [];
  private hand = 0;
  private readonly writer = new ByteWriter(1024);
  private entryBytes = 0;

  constructor(options: StatusEntryCacheOptions) {
    if (!Number.isInteger(options.maxEntries) || options.maxEntries < 1) {
      throw new ConfigError(`maxEntries must be a positive integer, got ${options.maxEntries}`);
    }
    this.maxEntries = options.maxEntries;
  }

  /** Users cached. */
  get size(): number {
    return this.slots.length;
  }

  /** Bytes of encoded entries held (excluding per-entry object overhead). */
  get bytes(): number {
    return this.entryBytes;
  }

  /**
   * Encodes `status` and stores it as its user's entry, replacing any older
   * one; evicts another user when full. Returns the entry (owned by the
   * cache: do not modify). Throws EncodeError for values out of range.
   */
  put(status: UserStatus): Uint8Array {
    const w = this.writer;
    w.pos = 0;
    writeUserStatusEntry(w, status);
    const entry = w.buf.slice(0, w.pos);
    const existing = this.byUserId.get(status.userId);
    if (existing !== undefined) {
      this.entryBytes += entry.length - existing.entry.length;
      existing.entry = entry;
      existing.version = status.version;
      existing.referenced = true;
      return entry;
    }
    if (this.slots.length >= this.maxEntries) this.evictOne();
    const slot = new Slot(status.userId, entry, status.version, true, this.slots.length);
    this.slots.push(slot);
    this.byUserId.set(status.userId, slot);
    this.entryBytes += entry.length;
    return entry;
  }

  /** The cached entry of `userId`, marking it recently used; undefined on a miss. */
  get(userId: string): Uint8Array | undefined {
    const slot = this.byUserId.get(userId);
    if (slot === undefined) return undefined;
    slot.referenced = true;
    return slot.entry;
  }

  /**
   * The entry of `status`: the cached one when it was encoded from this user
   * at this same non-zero version (marking it recently used), otherwise
   * `put(status)`. See the invalidation rules above.
   */
  entryFor(status: UserStatus): Uint8Array {
    if (typeof status !== "object" || status === null) throw fieldError("a statuses entry", "a UserStatus object", status);
    const slot = this.byUserId.get(status.userId);
    if (slot !== undefined && slot.version === status.version && status.version !== 0n) {
      slot.referenced = true;
      return slot.entry;
    }
    return this.put(status);
  }

  has(userId: string): boolean {
    return this.byUserId.has(userId);
  }

  /** Drops the entry of `userId`; returns whether there was one. */
  delete(userId: string): boolean {
    const slot = this.byUserId.get(userId);
    if (slot === undefined) return false;
    this.removeSlot(slot);
    return true;
  }

  clear(): void {
    this.byUserId.clear();
    this.slots.length = 0;
    this.hand = 0;
    this.entryBytes = 0;
  }

  private evictOne(): void {
    const slots = this.slots;
    // Terminates: each pass clears the flag it skips.
    for (;;) {
      if (this.hand >= slots.length) this.hand = 0;
      const slot = slots[this.hand]!;
      if (!slot.referenced) {
        this.removeSlot(slot);
        return;
      }
      slot.referenced = false;
      this.hand++;
    }
  }

  private removeSlot(slot: Slot): void {
    const slots = this.slots;
    const last = slots.pop()!;
    if (last !== slot) {
      slots[slot.index] = last;
      last.index = slot.index;
    }
    this.byUserId.delete(slot.userId);
    this.entryBytes -= slot.entry.length;
  }
}
