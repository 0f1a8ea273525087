// How a user record is stored in Redis: compact JSON, 64-bit values as
// decimal strings. A record that does not parse is an internal error, never a
// silently different presence.
import type { DeviceSession, UserRecord } from "../engine/store.js";

type StoredDevice = [deviceId: string, platform: number, nodeId: string, connectionId: string];

interface StoredRecord {
  d: StoredDevice[];
  c: string;
  t: number;
  v: string;
  a: string;
  r: number;
  k: number | null;
}

export class StoredRecordError extends Error {}

export function encodeRecord(record: UserRecord): string {
  const stored: StoredRecord = {
    d: record.devices.map((d) => [d.deviceId, d.platform, d.nodeId, d.connectionId]),
    c: record.customStatus,
    t: record.disconnectedType,
    v: record.version.toString(),
    a: record.changedAtMs.toString(),
    r: record.reason,
    k: record.retainUntilMs ?? null,
  };
  return JSON.stringify(stored);
}

export function decodeRecord(userId: string, json: string): UserRecord {
  let stored: StoredRecord;
  try {
    stored = JSON.parse(json) as StoredRecord;
    const devices: DeviceSession[] = stored.d.map(([deviceId, platform, nodeId, connectionId]) => ({ deviceId, platform, nodeId, connectionId }));
    return {
      userId,
      devices,
      customStatus: stored.c,
      disconnectedType: stored.t,
      version: BigInt(stored.v),
      changedAtMs: BigInt(stored.a),
      reason: stored.r,
      retainUntilMs: stored.k ?? undefined,
    };
  } catch (cause) {
    throw new StoredRecordError(`the stored record of ${JSON.stringify(userId)} does not parse: ${String(cause)}`);
  }
}
