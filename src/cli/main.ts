#!/usr/bin/env node
// presence-wire: decode frames to canonical proto3 JSON and encode JSON to frames.
import { readFileSync, writeSync } from "node:fs";
import { parseArgs } from "node:util";
import { PresenceWireError } from "../codec/errors.js";
import { MESSAGE_NAMES, decodeMessage, encodeMessage, isMessageName, type MessageName } from "../codec/messages.js";
import { fromCanonicalJson, toCanonicalJson } from "../codec/json.js";
import { DelimitedSplitter, encodeDelimited } from "../codec/stream.js";
import { SPEC_LIMITS } from "../protocol/index.js";
import { DEV_SECRET, createToken } from "../token/token.js";
import { parseBytes, formatBytes, BYTE_FORMATS, type ByteFormat } from "./bytes.js";

const USAGE = `presence-wire: the presence.v1 wire format on the command line

Usage:
  presence-wire decode [--type NAME] [--from binary|hex|base64] [--delimited] [FILE|-]
      Decode bytes to canonical proto3 JSON (what \`buf convert\` prints).
  presence-wire encode [--type NAME] [--to binary|hex|base64] [--delimited] [FILE|-]
      Encode proto3 JSON to bytes.
  presence-wire token USER_ID [--ttl SECONDS]
      Mint a login token for the reference server, signed with PRESENCE_SECRET
      (or the development secret when it is unset). Default ttl: 86400.
  presence-wire serve
      Start the reference server, configured as \`npm start\` is: PRESENCE_CONFIG
      (a JSON file) and PRESENCE_* variables (docs/server.md). Once listening it
      prints {"event":"listening","url":...,"port":...} on standard output.
  presence-wire types     List the message names.
  presence-wire limits    Print the spec's limits as JSON.
  presence-wire conformance server WS_URL ... | client --driver CMD ... | list
      Check a server or a client against the spec over the wire
      (presence-wire conformance --help; docs/conformance.md).

Options:
  --type NAME     Message type, short (Frame) or full (presence.v1.Frame). Default: Frame.
  --from FORMAT   Input bytes of decode: binary, hex or base64. Default: binary.
  --to FORMAT     Output bytes of encode: binary, hex or base64. Default: binary.
  --delimited     Varint length-prefixed stream: decode prints one JSON document per
                  line for each frame; encode reads a JSON array and prefixes each.
  --data TEXT     Read the input from TEXT instead of FILE or standard input.
  -h, --help      This text.

Exit status: 0 on success, 1 when the input is not valid, 2 on a usage error.
`;

class UsageError extends Error {}

function messageName(value: string | undefined): MessageName {
  const name = (value ?? "Frame").replace(/^presence\.v1\./, "");
  if (!isMessageName(name)) throw new UsageError(`unknown message type ${value}; see \`presence-wire types\``);
  return name;
}

function byteFormat(value: string | undefined, option: string): ByteFormat {
  const format = value ?? "binary";
  if (!(BYTE_FORMATS as readonly string[]).includes(format)) {
    throw new UsageError(`${option} must be one of ${BYTE_FORMATS.join(", ")}`);
  }
  return format as ByteFormat;
}

function readInput(file: string | undefined, data: string | undefined): Uint8Array {
  if (data !== undefined) return new TextEncoder().encode(data);
  return readFileSync(file === undefined || file === "-" ? 0 : file);
}

function writeOut(bytes: Uint8Array | string): void {
  const buffer = typeof bytes === "string" ? Buffer.from(bytes) : bytes;
  let offset = 0;
  while (offset < buffer.length) offset += writeSync(1, buffer, offset);
}

function decode(name: MessageName, input: Uint8Array, delimited: boolean): string {
  if (!delimited) return `${JSON.stringify(toCanonicalJson(name, input), null, 2)}\n`;
  const splitter = new DelimitedSplitter();
  const { items, error } = splitter.push(input);
  const lines = items.map((payload) => JSON.stringify(toCanonicalJson(name, payload)));
  if (error) throw error;
  splitter.finish();
  return lines.map((line) => `${line}\n`).join("");
}

function encode(name: MessageName, input: Uint8Array, delimited: boolean): Uint8Array {
  const text = new TextDecoder().decode(input);
  if (!delimited) return checked(name, fromCanonicalJson(name, text));
  const documents: unknown = JSON.parse(text);
  if (!Array.isArray(documents)) throw new UsageError("--delimited encode reads a JSON array of messages");
  const parts = documents.map((document) => encodeDelimited(checked(name, fromCanonicalJson(name, document))));
  return Buffer.concat(parts);
}

// Round-trip through the strict decoder and the generated encoder: what we print is what the library sends.
function checked(name: MessageName, bytes: Uint8Array): Uint8Array {
  return encodeMessage(name, decodeMessage(name, bytes));
}

export function main(argv: string[]): number | Promise<number> {
  // The conformance kit has options of its own, and is loaded only when asked for.
  if (argv[0] === "conformance") return import("../conformance/cli.js").then((kit) => kit.runConformanceCli(argv.slice(1)));
  // The server's own entry (npm start): loading it starts the server, which runs until a signal stops it.
  if (argv[0] === "serve" && argv.length === 1) return import("../server/main.js").then(() => 0);
  try {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        type: { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        delimited: { type: "boolean", default: false },
        data: { type: "string" },
        ttl: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    const [command, file, extra] = positionals;
    if (values.help || command === undefined) {
      writeOut(USAGE);
      return values.help ? 0 : 2;
    }
    if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}`);
    switch (command) {
      case "decode": {
        const raw = readInput(file, values.data);
        const bytes = parseBytes(raw, byteFormat(values.from, "--from"), values.data !== undefined);
        writeOut(decode(messageName(values.type), bytes, values.delimited));
        return 0;
      }
      case "encode": {
        const bytes = encode(messageName(values.type), readInput(file, values.data), values.delimited);
        writeOut(formatBytes(bytes, byteFormat(values.to, "--to")));
        return 0;
      }
      case "token": {
        if (file === undefined) throw new UsageError("token needs a user id");
        const ttlSeconds = Number(values.ttl ?? 86_400);
        if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new UsageError("--ttl must be a positive number of seconds");
        const secret = process.env.PRESENCE_SECRET || DEV_SECRET;
        writeOut(`${createToken({ userId: file, expiresAtMs: Date.now() + ttlSeconds * 1000 }, secret)}\n`);
        return 0;
      }
      case "serve":
        throw new UsageError("serve takes no arguments; configure it with PRESENCE_* variables or a PRESENCE_CONFIG file");
      case "types":
        writeOut(MESSAGE_NAMES.map((name) => `presence.v1.${name}\n`).join(""));
        return 0;
      case "limits":
        writeOut(`${JSON.stringify(SPEC_LIMITS, null, 2)}\n`);
        return 0;
      default:
        throw new UsageError(`unknown command ${command}`);
    }
  } catch (error) {
    if (error instanceof UsageError || (error instanceof TypeError && "code" in error && String(error.code).startsWith("ERR_PARSE_ARGS"))) {
      process.stderr.write(`presence-wire: ${error.message}\n\n${USAGE}`);
      return 2;
    }
    if (error instanceof PresenceWireError || error instanceof SyntaxError) {
      process.stderr.write(`presence-wire: ${error.name}: ${error.message}\n`);
      return 1;
    }
    if (error instanceof Error && "code" in error && (error.code === "ENOENT" || error.code === "EISDIR" || error.code === "EACCES")) {
      process.stderr.write(`presence-wire: ${error.message}\n`);
      return 1;
    }
    throw error;
  }
}

process.exitCode = await main(process.argv.slice(2));
