// The public API of the presence wire library. Everything here runs in browsers
// and Node alike; the protobufjs reflection codec is `@presence/wire/reflect`.

// Generated message types, enums and codecs (ts-proto). `presence.v1.Error` is
// exported as ErrorMessage so that it does not shadow the global Error.
export { ErrorCode, Error as ErrorMessage, UserError } from "../generated/ts-proto/presence/v1/errors.js";
export { Frame } from "../generated/ts-proto/presence/v1/frame.js";
export {
  GetUserStatusRequest,
  GetUserStatusResponse,
  SetSelfStatusRequest,
  SetSelfStatusResponse,
  SubscribeUserStatusRequest,
  SubscribeUserStatusResponse,
  UnsubscribeUserStatusRequest,
  UnsubscribeUserStatusResponse,
  UserStatusChangedNotification,
} from "../generated/ts-proto/presence/v1/operations.js";
export { Limits, LoginRequest, LoginResponse, LogoutRequest, LogoutResponse, Ping, Pong } from "../generated/ts-proto/presence/v1/session.js";
export { Device, Platform, StatusChangeReason, UserStatus, UserStatusType } from "../generated/ts-proto/presence/v1/status.js";
export type { DeepPartial, MessageFns } from "../generated/ts-proto/presence/v1/frame.js";

// The rules of the spec, generated from proto/: limits, request kinds, validation, each error code's handling.
export {
  CLOSE_CODES,
  ERROR_HANDLING,
  REQUEST_KINDS,
  RESPONSE_KIND,
  SPEC_LIMITS,
  announcedLimits,
  classifyFrame,
  clientActionFor,
  closeCodeFor,
  errorFrame,
  errorHandling,
  operationClassOf,
  resolveLimits,
  validateRequest,
  type ClientAction,
  type ErrorContext,
  type ErrorHandling,
  type FrameDisposition,
  type LimitsConfig,
  type OperationClass,
  type RequestKind,
  type ValidationContext,
} from "./protocol/index.js";
export { utf8Length } from "./wire/utf8.js";

// Encode, decode, validate.
export {
  ConfigError,
  DecodeError,
  EncodeError,
  JsonError,
  PresenceWireError,
  ProtocolError,
  type DecodeErrorKind,
} from "./codec/errors.js";
export {
  MESSAGES,
  MESSAGE_NAMES,
  decodeFrame,
  decodeMessage,
  encodeFrame,
  encodeMessage,
  fullName,
  isMessageName,
  type FrameDecodeOptions,
  type MessageName,
  type MessageOf,
} from "./codec/messages.js";
export {
  DelimitedSplitter,
  FrameStreamDecoder,
  encodeDelimited,
  encodeDelimitedFrame,
  type StreamDecoderOptions,
  type StreamResult,
} from "./codec/stream.js";
export { fromCanonicalJson, toCanonicalJson, toCanonicalJsonText, type JsonValue } from "./codec/json.js";
export { MAX_NESTING_DEPTH, checkWire, type WireField, type WireKind, type WireSchema } from "./codec/wire-check.js";
