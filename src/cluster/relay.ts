// The message one node publishes to another: the notifications for the
// receiving node's connections, each status once (protobuf, base64) and, per
// connection, which statuses it gets; and the connections it must close
// because their device logged in elsewhere or an operator forced it offline. JSON around protobuf keeps the frame
// format of the statuses the spec's while the envelope stays internal.
import { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { Relayed } from "../engine/index.js";

interface RelayMessage {
  /** Each distinct status, encoded. */
  s: string[];
  /** Per connection: its id and the indexes of its statuses, in order. */
  d: [connectionId: string, statuses: number[]][];
  /** Connections replaced by a login elsewhere. */
  r: string[];
  /** Connections an operator forced offline. */
  k: string[];
}

export class RelayMessageError extends Error {}

export function encodeRelay({ outbox, replaced, kicked }: Relayed): string {
  const index = new Map<UserStatus, number>();
  const message: RelayMessage = { s: [], d: [], r: replaced, k: kicked };
  for (const [connectionId, statuses] of outbox) {
    message.d.push([
      connectionId,
      statuses.map((status) => {
        let i = index.get(status);
        if (i === undefined) {
          i = message.s.push(Buffer.from(UserStatus.encode(status).finish()).toString("base64")) - 1;
          index.set(status, i);
        }
        return i;
      }),
    ]);
  }
  return JSON.stringify(message);
}

export function decodeRelay(payload: string): Relayed {
  try {
    const message = JSON.parse(payload) as RelayMessage;
    const statuses = message.s.map((encoded) => UserStatus.decode(Buffer.from(encoded, "base64")));
    const outbox = new Map(
      message.d.map(([connectionId, indexes]) => {
        const list = indexes.map((i) => statuses[i]);
        if (typeof connectionId !== "string" || list.some((status) => status === undefined)) throw new Error("an index names no status");
        return [connectionId, list as UserStatus[]];
      }),
    );
    return { outbox, replaced: ids(message.r, "replaced"), kicked: ids(message.k, "kicked") };
  } catch (cause) {
    throw new RelayMessageError(`a relayed message does not parse: ${String(cause)}`);
  }
}

function ids(value: unknown, what: string): string[] {
  if (!Array.isArray(value) || value.some((id) => typeof id !== "string")) throw new Error(`the ${what} connections are not a list of ids`);
  return value as string[];
}
