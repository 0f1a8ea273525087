// The manifests of the golden vectors (test/vectors/manifest.json and
// test/vectors/negative/manifest.json): their shape, and how they are read.
// scripts/make-vectors.ts writes them from the headers of the sources.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { DecodeErrorKind } from "../../src/codec/errors.js";
import { isMessageName, type MessageName } from "../../src/codec/messages.js";
import { NEGATIVE_DIR, parseHex, VECTORS_DIR } from "./tools.js";

export const MANIFEST_FORMAT = 1;

/** Implementations whose known disagreement with a vector is recorded in the manifest (and asserted by the tests). */
export const DIVERGENCE_KEYS = ["ts-proto-json"] as const;
export type DivergenceKey = (typeof DIVERGENCE_KEYS)[number];

/** One positive vector: bytes every implementation must accept, and the canonical JSON they mean. */
export interface VectorEntry {
  /** The file stem shared by the source, binary and JSON files. */
  name: string;
  /** The full name of the message type, e.g. "presence.v1.Frame". */
  message: string;
  /** The human-written source: protobuf text format (`.txtpb`) or commented hex (`.hex`). */
  source: string;
  /** The wire bytes: `protoc --encode` of a `.txtpb` source, or the bytes of a `.hex` source. */
  binary: string;
  /** The canonical proto3 JSON of the bytes, as `buf convert` (Go) prints it (re-indented). */
  json: string;
  /** Whether a conformant encoder, given the decoded message, writes exactly these bytes back. */
  byte_exact: boolean;
  /** Whether the bytes carry fields presence.v1 does not define (written by a newer peer). */
  unknown_fields: boolean;
  /** One line: what the vector covers. */
  description: string;
  /** Known, documented disagreements of one of our implementations with this vector. */
  known_divergences?: Partial<Record<DivergenceKey, string>>;
}

export interface VectorManifest {
  format: number;
  comment: string;
  /** The include path (relative to the repository root) and the file to load for every type. */
  proto_include: string;
  proto_file: string;
  vectors: VectorEntry[];
}

/** What an independent parser does with a negative vector. */
export type ParserVerdict = "rejects" | "accepts";

/** One negative vector: bytes every strict decoder must reject with a typed error. */
export interface NegativeEntry {
  name: string;
  message: string;
  /** Commented hex (`#` to the end of a line is a comment). */
  source: string;
  /** The `DecodeError.kind` our decoders must report. */
  expected_error: DecodeErrorKind;
  /** What `protoc --decode` (C++) does with the bytes. */
  protoc: ParserVerdict;
  /** What `buf convert` (Go) does with the bytes. */
  buf: ParserVerdict;
  description: string;
  /** Why a conformant parser legitimately accepts the bytes, when one does. */
  note?: string;
}

export interface NegativeManifest {
  format: number;
  comment: string;
  proto_include: string;
  proto_file: string;
  vectors: NegativeEntry[];
}

export function readVectorManifest(dir = VECTORS_DIR): VectorManifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as VectorManifest;
}

export function readNegativeManifest(dir = NEGATIVE_DIR): NegativeManifest {
  return JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as NegativeManifest;
}

/** "presence.v1.Frame" → "Frame", checked against the library's message names. */
export function shortMessageName(fullName: string): MessageName {
  const short = fullName.replace(/^presence\.v1\./, "");
  if (!isMessageName(short)) throw new Error(`${fullName} is not a message of presence.v1`);
  return short;
}

/** A positive vector with its files loaded. */
export interface LoadedVector extends VectorEntry {
  type: MessageName;
  bytes: Uint8Array;
  /** The committed JSON text, and its parsed value. */
  jsonText: string;
  goJson: unknown;
}

export function loadVectors(dir = VECTORS_DIR): LoadedVector[] {
  return readVectorManifest(dir).vectors.map((entry) => {
    const jsonText = readFileSync(join(dir, entry.json), "utf8");
    return {
      ...entry,
      type: shortMessageName(entry.message),
      bytes: new Uint8Array(readFileSync(join(dir, entry.binary))),
      jsonText,
      goJson: JSON.parse(jsonText) as unknown,
    };
  });
}

export interface LoadedNegative extends NegativeEntry {
  type: MessageName;
  bytes: Uint8Array;
}

export function loadNegatives(dir = NEGATIVE_DIR): LoadedNegative[] {
  return readNegativeManifest(dir).vectors.map((entry) => ({
    ...entry,
    type: shortMessageName(entry.message),
    bytes: parseHex(readFileSync(join(dir, entry.source), "utf8")),
  }));
}
