// Fast decoder for the client side of the query path: GetUserStatusResponse,
// UserStatusChangedNotification and the Frame carrying them. Returns objects
// deep-equal to the generated (ts-proto) decoder's, `_unknownFields` included
// (as views of the input, like ts-proto), but unlike it rejects malformed
// input with DecodeError and never replaces invalid UTF-8.
import type { UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import type {
  GetUserStatusResponse,
  UserStatusChangedNotification,
} from "../../generated/ts-proto/presence/v1/operations.js";
import type { Device, UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import { keepUnknown, Reader } from "./reader.js";
import { readString } from "./strings.js";
import { FRAME_GET_USER_STATUS_RESPONSE, FRAME_REQUEST_ID, FRAME_USER_STATUS_CHANGED } from "./tags.js";

/** A decoded Frame whose body is a status batch, or absent. */
export type DecodedStatusFrame = Frame & {
  body:
    | { $case: "getUserStatusResponse"; value: GetUserStatusResponse }
    | { $case: "userStatusChanged"; value: UserStatusChangedNotification }
    | undefined;
};

export function decodeGetUserStatusResponse(bytes: Uint8Array): GetUserStatusResponse {
  return readResponse(new Reader(bytes), bytes.length, 0);
}

export function decodeUserStatusChanged(bytes: Uint8Array): UserStatusChangedNotification {
  return readNotification(new Reader(bytes), bytes.length, 0);
}

/**
 * Decodes a Frame whose body is a GetUserStatusResponse or a
 * UserStatusChangedNotification (or that has no body). Returns null when the
 * frame carries another body kind: decode it with the general codec.
 */
export function decodeStatusFrame(bytes: Uint8Array): DecodedStatusFrame | null {
  const r = new Reader(bytes);
  const end = bytes.length;
  const frame: DecodedStatusFrame = { requestId: 0, body: undefined, _unknownFields: {} };
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === FRAME_REQUEST_ID) {
      frame.requestId = r.varint32(end) >>> 0;
      continue;
    }
    // A body that arrives again merges into the one read (its lists grow); a rival member replaces it.
    if (tag === FRAME_USER_STATUS_CHANGED) {
      const into = frame.body?.$case === "userStatusChanged" ? frame.body.value : emptyNotification();
      frame.body = { $case: "userStatusChanged", value: readNotification(r, r.lengthEnd(end), 1, into) };
      continue;
    }
    if (tag === FRAME_GET_USER_STATUS_RESPONSE) {
      const into = frame.body?.$case === "getUserStatusResponse" ? frame.body.value : emptyResponse();
      frame.body = { $case: "getUserStatusResponse", value: readResponse(r, r.lengthEnd(end), 1, into) };
      continue;
    }
    // Another member of the `body` oneof (fields 2-17, length-delimited).
    if ((tag & 7) === 2 && tag >>> 3 >= 2 && tag >>> 3 <= 17) return null;
    keepUnknown(frame._unknownFields!, tag, r.skip(tag, end, 0));
  }
  return frame;
}

const emptyResponse = (): GetUserStatusResponse => ({ statuses: [], errors: [], _unknownFields: {} });
const emptyNotification = (): UserStatusChangedNotification => ({ statuses: [], _unknownFields: {} });

function readResponse(r: Reader, end: number, depth: number, response = emptyResponse()): GetUserStatusResponse {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x0a) {
      response.statuses.push(readUserStatus(r, r.lengthEnd(end), depth + 1));
    } else if (tag === 0x12) {
      response.errors.push(readUserError(r, r.lengthEnd(end), depth + 1));
    } else {
      keepUnknown(response._unknownFields!, tag, r.skip(tag, end, depth));
    }
  }
  return response;
}

function readNotification(r: Reader, end: number, depth: number, notification = emptyNotification()): UserStatusChangedNotification {
  while (r.pos < end) {
    const tag = r.tag(end);
    if (tag === 0x0a) {
      notification.statuses.push(readUserStatus(r, r.lengthEnd(end), depth + 1));
    } else {
      keepUnknown(notification._unknownFields!, tag, r.skip(tag, end, depth));
    }
  }
  return notification;
}

// readUserStatus and readDevice keep the position in a local and take a fast
// path for the common shape of a field: a one-byte tag of a known field, a
// one-byte length or varint value, inside the message. Anything else (a
// multi-byte tag or length, an unknown field, a value running past the end)
// goes to the general, fully checked path for that field, which reads it
// again from its tag: same results, same DecodeErrors.

function readUserStatus(r: Reader, end: number, depth: number): UserStatus {
  // Same fields in the same order as ts-proto's createBaseUserStatus.
  const status: UserStatus = {
    userId: "",
    statusType: 0,
    customStatus: "",
    onlineDevices: [],
    version: 0n,
    changedAtMs: 0n,
    reason: 0,
    epoch: 0n,
    _unknownFields: {},
  };
  const buf = r.buf;
  let pos = r.pos;
  while (pos < end) {
    const tag = buf[pos]!;
    const next = pos + 1 < end ? buf[pos + 1]! : 0x80;
    switch (tag) {
      case 0x0a: {
        const stop = pos + 2 + next;
        if (next >= 0x80 || stop > end) break;
        status.userId = readString(buf, pos + 2, stop);
        pos = stop;
        continue;
      }
      case 0x10:
        if (next >= 0x80) break;
        status.statusType = next;
        pos += 2;
        continue;
      case 0x1a: {
        const stop = pos + 2 + next;
        if (next >= 0x80 || stop > end) break;
        status.customStatus = readString(buf, pos + 2, stop);
        pos = stop;
        continue;
      }
      case 0x22: {
        const stop = pos + 2 + next;
        if (next >= 0x80 || stop > end) break;
        status.onlineDevices.push(readDevice(buf, r, pos + 2, stop, depth + 1));
        pos = stop;
        continue;
      }
      // Tags 0x28 and 0x30 are one byte: read the varint after them directly.
      case 0x28:
        r.pos = pos + 1;
        status.version = r.uint64(end);
        pos = r.pos;
        continue;
      case 0x30:
        r.pos = pos + 1;
        status.changedAtMs = r.int64(end);
        pos = r.pos;
        continue;
      case 0x38:
        if (next >= 0x80) break;
        status.reason = next;
        pos += 2;
        continue;
    }
    r.pos = pos;
    readUserStatusField(r, status, r.tag(end), end, depth);
    pos = r.pos;
  }
  r.pos = pos;
  return status;
}

/** One field of a UserStatus, after its tag, by the general checked path. */
function readUserStatusField(r: Reader, status: UserStatus, tag: number, end: number, depth: number): void {
  switch (tag) {
    case 0x0a:
      status.userId = r.string(end);
      return;
    case 0x10:
      status.statusType = r.varint32(end) | 0;
      return;
    case 0x1a:
      status.customStatus = r.string(end);
      return;
    case 0x22: {
      const deviceEnd = r.lengthEnd(end);
      status.onlineDevices.push(readDevice(r.buf, r, r.pos, deviceEnd, depth + 1));
      r.pos = deviceEnd;
      return;
    }
    case 0x28:
      status.version = r.uint64(end);
      return;
    case 0x30:
      status.changedAtMs = r.int64(end);
      return;
    case 0x38:
      status.reason = r.varint32(end) | 0;
      return;
    case 0x40:
      status.epoch = r.uint64(end);
      return;
  }
  keepUnknown(status._unknownFields!, tag, r.skip(tag, end, depth));
}

/** A Device in `buf[pos, end)`; `end` has been checked against the enclosing message. */
function readDevice(buf: Uint8Array, r: Reader, pos: number, end: number, depth: number): Device {
  const device: Device = { deviceId: "", platform: 0, _unknownFields: {} };
  while (pos < end) {
    const tag = buf[pos]!;
    const next = pos + 1 < end ? buf[pos + 1]! : 0x80;
    if (next < 0x80) {
      if (tag === 0x0a) {
        const stop = pos + 2 + next;
        if (stop <= end) {
          device.deviceId = readString(buf, pos + 2, stop);
          pos = stop;
          continue;
        }
      } else if (tag === 0x10) {
        device.platform = next;
        pos += 2;
        continue;
      }
    }
    r.pos = pos;
    const fullTag = r.tag(end);
    if (fullTag === 0x0a) {
      device.deviceId = r.string(end);
    } else if (fullTag === 0x10) {
      device.platform = r.varint32(end) | 0;
    } else {
      keepUnknown(device._unknownFields!, fullTag, r.skip(fullTag, end, depth));
    }
    pos = r.pos;
  }
  return device;
}

function readUserError(r: Reader, end: number, depth: number): UserError {
  const error: UserError = { userId: "", code: 0, message: "", _unknownFields: {} };
  while (r.pos < end) {
    const tag = r.tag(end);
    switch (tag) {
      case 0x0a:
        error.userId = r.string(end);
        continue;
      case 0x10:
        error.code = r.varint32(end) | 0;
        continue;
      case 0x1a:
        error.message = r.string(end);
        continue;
    }
    keepUnknown(error._unknownFields!, tag, r.skip(tag, end, depth));
  }
  return error;
}
