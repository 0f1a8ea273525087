export { PresenceClient, type StatusListener } from "./client.js";
export type { ConnectionState } from "./connection.js";
export { ConnectionClosedError, PresenceRequestError, RequestTimeoutError, UnexpectedResponseError } from "./errors.js";
export type { PresenceClientOptions, ReconnectOptions } from "./options.js";
export { chunkIds, RateBudget } from "./planner.js";
export type { SocketLike, WebSocketConstructor } from "./socket.js";
