export { PresenceClient, type ConnectionState, type PresenceClientOptions, type ReconnectOptions, type StatusListener } from "./client.js";
export { ConnectionClosedError, PresenceRequestError, RequestTimeoutError, UnexpectedResponseError } from "./errors.js";
export { chunkIds, RateBudget } from "./planner.js";
export type { SocketLike, WebSocketConstructor } from "./socket.js";
