// Writes generated/spec/presence/v1/spec.ts from the descriptors of proto/:
// the spec's limits (the `spec_default` option of every `Limits` field), how
// each error code is handled (the `error_handling` options of `ErrorCode`)
// and the wire schema table the strict decoder checks frames against. The proto
// files stay the one source of truth; this file only transcribes them.
import { mkdirSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { getOption, ScalarType, type DescField, type DescMessage } from "@bufbuild/protobuf";
import { ErrorCodeSchema } from "../generated/es/presence/v1/errors_pb.js";
import { file_presence_v1_frame } from "../generated/es/presence/v1/frame_pb.js";
import { LimitsSchema } from "../generated/es/presence/v1/session_pb.js";
import { ClientActionSchema, ErrorContext, ErrorContextSchema, error_handling, spec_default } from "../generated/es/presence/v1/options_pb.js";
import { enumValueSlug } from "./spec-names.js";

const OUT = "generated/spec/presence/v1/spec.ts";

function limitsSource(): string {
  const lines = LimitsSchema.fields.map((field) => {
    const value = getOption(field, spec_default);
    if (value === 0n) throw new Error(`Limits.${field.name} has no spec_default option`);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new Error(`Limits.${field.name} is too large`);
    return `  /** presence.v1.Limits.${field.name} (proto/presence/v1/session.proto). */\n  ${field.localName}: ${value.toString()},`;
  });
  return `export const SPEC_LIMITS = {\n${lines.join("\n")}\n} as const;\n`;
}

function unionOf(values: readonly string[]): string {
  return values.map((value) => `"${value}"`).join(" | ");
}

// Rejects option values that would make the table lie: every code but UNSPECIFIED is handled in at
// least one context, once per context; a close code is given exactly when the connection closes, a
// connection error always closes, and a code closes with one WebSocket close code wherever it closes.
function errorHandlingSource(): string {
  const contexts = ErrorContextSchema.values.filter((v) => v.number !== 0).map(enumValueSlug);
  const actions = ClientActionSchema.values.filter((v) => v.number !== 0).map(enumValueSlug);
  const entries = ErrorCodeSchema.values
    .filter((code) => code.number !== 0)
    .map((code) => {
      const cases = getOption(code, error_handling);
      if (cases.length === 0) throw new Error(`${code.name} has no error_handling option`);
      const seen = new Set<number>();
      const closeCodes = new Set<number>();
      const lines = cases.map((handling) => {
        if (handling.context === 0 || handling.clientAction === 0) throw new Error(`${code.name}: context and client_action are required`);
        if (seen.has(handling.context)) throw new Error(`${code.name}: two error_handling entries for one context`);
        seen.add(handling.context);
        const closeCode = handling.websocketCloseCode;
        if (handling.closesConnection !== (closeCode !== 0) || (closeCode !== 0 && (closeCode < 1000 || closeCode > 4999))) {
          throw new Error(`${code.name}: websocket_close_code must be 1000-4999 exactly when closes_connection is set`);
        }
        if (handling.context === ErrorContext.CONNECTION && !handling.closesConnection) {
          throw new Error(`${code.name}: a connection error (request id 0) always closes the connection`);
        }
        if (closeCode !== 0) closeCodes.add(closeCode);
        const context = enumValueSlug(ErrorContextSchema.value[handling.context]!);
        const action = enumValueSlug(ClientActionSchema.value[handling.clientAction]!);
        return `    { context: "${context}", closesConnection: ${handling.closesConnection}, websocketCloseCode: ${closeCode}, clientAction: "${action}" },`;
      });
      if (closeCodes.size > 1) throw new Error(`${code.name}: one WebSocket close code per error code`);
      return `  /** ${code.name} */\n  [${code.number}]: [\n${lines.join("\n")}\n  ],`;
    });
  return [
    "/** Where an error reaches a client: presence.v1.ErrorContext. */",
    `export type ErrorContext = ${unionOf(contexts)};`,
    "",
    "/** What a client does about an error: presence.v1.ClientAction. */",
    `export type ClientAction = ${unionOf(actions)};`,
    "",
    "/** One `(presence.v1.error_handling)` option: the behaviour of an error code in one context. */",
    "export interface ErrorHandling {",
    "  readonly context: ErrorContext;",
    "  readonly closesConnection: boolean;",
    "  /** The WebSocket close code when the connection closes; 0 otherwise. */",
    "  readonly websocketCloseCode: number;",
    "  readonly clientAction: ClientAction;",
    "}",
    "",
    "/** Every presence.v1.ErrorCode but UNSPECIFIED, by number: its `error_handling` options in declaration order. */",
    "export const ERROR_HANDLING: { readonly [code: number]: readonly ErrorHandling[] } = {",
    ...entries,
    "};",
    "",
  ].join("\n");
}

// How a field looks on the wire, for the strict structural check.
function wireKind(field: DescField): string {
  // A repeated field looks on the wire like its element (one record per element, or packed for scalars).
  if (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) return "message";
  if (field.fieldKind === "map") throw new Error("maps are not used by presence.v1");
  if (field.fieldKind === "enum" || (field.fieldKind === "list" && field.listKind === "enum")) return "varint";
  switch (field.scalar) {
    case ScalarType.STRING:
      return "string";
    case ScalarType.BYTES:
      return "bytes";
    case ScalarType.DOUBLE:
    case ScalarType.FIXED64:
    case ScalarType.SFIXED64:
      return "fixed64";
    case ScalarType.FLOAT:
    case ScalarType.FIXED32:
    case ScalarType.SFIXED32:
      return "fixed32";
    default:
      return "varint";
  }
}

function collectMessages(root: DescMessage, seen = new Map<string, DescMessage>()): Map<string, DescMessage> {
  if (seen.has(root.typeName)) return seen;
  seen.set(root.typeName, root);
  for (const field of root.fields) {
    if (field.fieldKind === "message" || (field.fieldKind === "list" && field.listKind === "message")) {
      collectMessages(field.message, seen);
    }
  }
  return seen;
}

function wireSchemaSource(): string {
  const frame = file_presence_v1_frame.messages.find((m) => m.name === "Frame");
  if (!frame) throw new Error("presence.v1.Frame not found");
  const messages = [...collectMessages(frame).values()].sort((a, b) => a.typeName.localeCompare(b.typeName));
  const entries = messages.map((message) => {
    const fields = [...message.fields]
      .sort((a, b) => a.number - b.number)
      .map((field) => {
        const kind = wireKind(field);
        const target = kind === "message" && field.message ? `, message: "${field.message.typeName}"` : "";
        const repeated = field.fieldKind === "list" ? ", repeated: true" : "";
        // Members of a oneof exclude each other: when one arrives, what its rivals gathered is cleared.
        const oneof = field.oneof ? `, oneof: "${field.oneof.name}"` : "";
        return `    ${field.number}: { name: "${field.name}", kind: "${kind}"${target}${repeated}${oneof} },`;
      });
    return `  "${message.typeName}": {\n${fields.join("\n")}\n  },`;
  });
  return [
    "/** Every message reachable from presence.v1.Frame, by full name: its fields by number, as they look on the wire. */",
    "export const WIRE_SCHEMA = {",
    ...entries,
    "} as const;",
    "",
  ].join("\n");
}

const source = [
  "// Code generated by scripts/generate-spec.ts from proto/presence/v1. DO NOT EDIT.",
  "",
  "/** The limits of presence.v1: the `spec_default` option of each `presence.v1.Limits` field. */",
  limitsSource(),
  errorHandlingSource(),
  wireSchemaSource(),
].join("\n");

mkdirSync(dirname(OUT), { recursive: true });
writeFileSync(OUT, source);
