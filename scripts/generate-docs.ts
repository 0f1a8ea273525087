// Writes the generated tables of docs/ from the descriptors of proto/ (with
// their comments, from `buf build`): today the error-code table of
// docs/protocol.md, between its "generated" markers. The rest of each page is
// written by hand; CI regenerates and fails when a table is stale.
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { fromBinary, getOption } from "@bufbuild/protobuf";
import { FileDescriptorSetSchema } from "@bufbuild/protobuf/wkt";
import { ErrorCodeSchema } from "../generated/es/presence/v1/errors_pb.js";
import { ClientActionSchema, ErrorContextSchema, error_handling } from "../generated/es/presence/v1/options_pb.js";
import { enumValueSlug } from "./spec-names.js";

const BEGIN = "<!-- BEGIN GENERATED: error table (scripts/generate-docs.ts from proto/presence/v1/errors.proto); do not edit -->";
const END = "<!-- END GENERATED: error table -->";

// Descriptor field numbers on the path of an enum value's comments: FileDescriptorProto.enum_type, EnumDescriptorProto.value.
const FILE_ENUM_TYPE = 5;
const ENUM_VALUE = 2;

/** The leading comment of each value of presence.v1.ErrorCode, by value name, each joined into one line. */
function errorCodeComments(): Map<string, string> {
  const image = execFileSync("node_modules/.bin/buf", ["build", "-o", "-#format=binpb"], { maxBuffer: 16 << 20 });
  const file = fromBinary(FileDescriptorSetSchema, image).file.find((f) => f.name === "presence/v1/errors.proto");
  if (!file) throw new Error("presence/v1/errors.proto not in the image");
  const enumIndex = file.enumType.findIndex((e) => e.name === "ErrorCode");
  const values = file.enumType[enumIndex]!.value;
  const comments = new Map<string, string>();
  for (const location of file.sourceCodeInfo?.location ?? []) {
    const [kind, index, member, valueIndex] = location.path;
    if (location.path.length !== 4 || kind !== FILE_ENUM_TYPE || index !== enumIndex || member !== ENUM_VALUE) continue;
    const text = location.leadingComments.split("\n").map((line) => line.trim()).filter(Boolean).join(" ");
    comments.set(values[valueIndex!]!.name, text.replaceAll("|", "\\|"));
  }
  return comments;
}

function errorTable(): string {
  const comments = errorCodeComments();
  const rows = ErrorCodeSchema.values
    .filter((code) => code.number !== 0)
    .map((code) => {
      const cases = getOption(code, error_handling).map((handling) => {
        const context = enumValueSlug(ErrorContextSchema.value[handling.context]!);
        const connection = handling.closesConnection ? `closes (${handling.websocketCloseCode})` : "stays open";
        const action = enumValueSlug(ClientActionSchema.value[handling.clientAction]!);
        return `${context}: ${connection}, client: ${action}`;
      });
      return `| ${code.number} | \`${code.name}\` | ${comments.get(code.name) ?? ""} | ${cases.join("<br>")} |`;
    });
  return [
    "| code | name | meaning | where it arrives: the connection, what the client does |",
    "| ---: | --- | --- | --- |",
    ...rows,
  ].join("\n");
}

function replaceBetweenMarkers(path: string, content: string): void {
  const page = readFileSync(path, "utf8");
  const start = page.indexOf(BEGIN);
  const end = page.indexOf(END);
  if (start < 0 || end < start) throw new Error(`${path} lacks the generated-table markers`);
  writeFileSync(path, `${page.slice(0, start + BEGIN.length)}\n${content}\n${page.slice(end)}`);
}

replaceBetweenMarkers("docs/protocol.md", errorTable());
