// The driver protocol: how the kit drives a client under test. The team's
// driver is a command that wraps their SDK; the kit writes one JSON command
// per line on its standard input and reads one JSON event per line from its
// standard output (other output lines are kept as evidence and otherwise
// ignored). The driver exits when its standard input ends.
// docs/conformance.md documents it for other languages.

/** Kit -> driver. `id` is echoed in the command's `result` event. */
export type DriverCommand =
  /** Connect to `url` and log in; reconnect by the SDK's own policy from then on. */
  | { id: number; command: "login"; url: string; userId: string; token: string; deviceId: string }
  | { id: number; command: "setStatus"; customStatus: string }
  | { id: number; command: "query"; userIds: string[] }
  | { id: number; command: "subscribe"; userIds: string[] }
  | { id: number; command: "unsubscribe"; userIds: string[] }
  | { id: number; command: "logout" };

/** A status as the SDK hands it to the application. `version` is a decimal string (uint64). */
export interface DriverStatus {
  userId: string;
  statusType: number;
  customStatus: string;
  version: string;
}

/** The `value` of a successful `query` or `subscribe` result: the statuses the call returned. Other results' values are free-form. */
export interface DriverStatusesValue {
  statuses: DriverStatus[];
}

/** Driver -> kit. */
export type DriverEvent =
  /** Once, when the driver is ready for commands. */
  | { event: "ready" }
  /** The outcome of command `id`: a failure carries the server's error code (0 when there is none, e.g. a timeout). The value of a query or subscribe is a DriverStatusesValue. */
  | { event: "result"; id: number; ok: true; value?: unknown }
  | { event: "result"; id: number; ok: false; code: number; message: string }
  /** Statuses the SDK delivered to the application (after its own ordering by version). */
  | { event: "statuses"; statuses: DriverStatus[] }
  /** The SDK's connection state, in its own words (e.g. connecting, online, reconnecting, closed). */
  | { event: "state"; state: string }
  /** An error the SDK reported outside a command: a pushed Error (with its code) or a dead link (code 0). */
  | { event: "error"; code: number; message: string };
