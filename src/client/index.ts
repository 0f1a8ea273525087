export {
  PresenceClient,
  type ConnectionChangeListener,
  type ErrorListener,
  type StateListener,
  type StatusChangesOptions,
  type StatusListener,
} from "./client.js";
export type { ConnectionChange, ConnectionChangeReason, ConnectionState } from "./connection-change.js";
export { ConnectionClosedError, PresenceRequestError, RequestTimeoutError, UnexpectedResponseError } from "./errors.js";
export type { ClientLogger, LogFields, LogLevel } from "./log.js";
export type { PresenceClientOptions, ReconnectOptions } from "./options.js";
export { chunkIds, RateBudget } from "./planner.js";
export type { SocketLike, WebSocketConstructor } from "./socket.js";
