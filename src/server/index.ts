export { startPresenceServer, type PresenceServer, type ServerOptions } from "./server.js";
export { CLOSE_CODES } from "../protocol/index.js";
export { defaultServerConfig, loadServerConfig, type ServerConfig } from "./config.js";
export { DEV_SECRET, createToken, verifyToken, type TokenClaims } from "../token/token.js";
export { jsonLogger, silentLogger, type LogLevel, type Logger } from "./log.js";
export { FrameEncoder } from "./frame-encoder.js";
