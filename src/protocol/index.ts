// The rules of presence.v1 as data and code: limits, request kinds and
// operation classes, stateless validation, and each error code's handling.
// Everything here derives from proto/ (generated tables) and nothing else
// imports the generated spec tables.
export { SPEC_LIMITS, announcedLimits, resolveLimits, type LimitsConfig } from "./limits.js";
export {
  OPERATION_CLASSES,
  REQUEST_KINDS,
  RESPONSE_KIND,
  isRequestBody,
  operationClassOf,
  type OperationClass,
  type RequestBody,
  type RequestKind,
  type RequestValue,
  type ResponseBody,
  type ResponseKind,
  type ResponseValue,
} from "./requests.js";
export {
  classifyFrame,
  validateRequest,
  validateRequestFields,
  type FrameDisposition,
  type ValidationContext,
} from "./validate.js";
export {
  CLOSE_CODES,
  ERROR_HANDLING,
  clientActionFor,
  closeCodeFor,
  closesConnection,
  errorFrame,
  errorHandling,
  type ClientAction,
  type ErrorContext,
  type ErrorHandling,
} from "./error-handling.js";
export { WIRE_SCHEMA } from "./wire-schema.js";
