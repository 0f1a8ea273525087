// Every positive golden vector through every implementation we ship, compared
// with the independent ones that made it: the bytes come from protoc (C++) or
// a hand-written hex source, the JSON from buf convert (Go).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FrameSchema } from "../../generated/es/presence/v1/frame_pb.js";
import { fromCanonicalJson, toCanonicalJson, toCanonicalJsonText, type JsonValue } from "../../src/codec/json.js";
import { decodeMessage, encodeMessage, MESSAGE_NAMES, MESSAGES, type MessageName, type MessageOf } from "../../src/codec/messages.js";
import { ReflectionCodec, type ReflectJson } from "../../src/codec/reflect.js";
import { toHex } from "../../scripts/vectors/hex.js";
import { loadVectors, type LoadedVector } from "../../scripts/vectors/manifest.js";
import { bufBuildImage, bufConvertToJson, mapPool, normaliseJsonText, protocDecode, TOOL_CONCURRENCY } from "../../scripts/vectors/tools.js";

const vectors = loadVectors();
const reflection = ReflectionCodec.load();

/** Our ts-proto codec: decode, then encode again. */
function tsProtoRoundTrip(vector: LoadedVector): Uint8Array {
  return encodeMessage(vector.type, decodeMessage(vector.type, vector.bytes));
}

/** ts-proto's own JSON mapping, as plain JSON values. */
function tsProtoToJson<N extends MessageName>(name: N, message: MessageOf<N>): unknown {
  const codec = MESSAGES[name] as unknown as { toJSON(m: MessageOf<N>): unknown };
  return JSON.parse(JSON.stringify(codec.toJSON(message))) as unknown;
}

describe("the vector set", () => {
  it("has a vector of every message of presence.v1", () => {
    const covered = new Set(vectors.map((v) => v.type));
    expect(MESSAGE_NAMES.filter((name) => !covered.has(name))).toEqual([]);
  });

  it("has a Frame of every body kind (judged by the Go JSON against the descriptor's oneof)", () => {
    const bodyJsonNames = FrameSchema.oneofs.find((oneof) => oneof.name === "body")!.fields.map((field) => field.jsonName);
    expect(bodyJsonNames).toHaveLength(16);
    const seen = new Set(
      vectors.filter((v) => v.type === "Frame").flatMap((v) => Object.keys(v.goJson as Record<string, unknown>)),
    );
    expect(bodyJsonNames.filter((name) => !seen.has(name))).toEqual([]);
  });

  it("marks no vector with unknown fields as byte-exact, and has byte-exact vectors in the majority", () => {
    expect(vectors.filter((v) => v.unknown_fields && v.byte_exact)).toEqual([]);
    expect(vectors.filter((v) => v.byte_exact).length).toBeGreaterThan(vectors.length / 2);
  });
});

describe.each(vectors)("vector $name ($message)", (vector) => {
  it("ts-proto: decodes, re-encodes to bytes with the same canonical JSON (identical bytes when byte-exact)", () => {
    const reencoded = tsProtoRoundTrip(vector);
    if (vector.byte_exact) expect(toHex(reencoded)).toBe(toHex(vector.bytes));
    expect(toCanonicalJson(vector.type, reencoded)).toEqual(vector.goJson);
  });

  it("ts-proto toJSON/fromJSON: equal the Go JSON mapping, except for a documented divergence", () => {
    const json = tsProtoToJson(vector.type, decodeMessage(vector.type, vector.bytes));
    const divergence = vector.known_divergences?.["ts-proto-json"];
    if (divergence === undefined) {
      expect(json).toEqual(vector.goJson);
      const codec = MESSAGES[vector.type] as unknown as { fromJSON(o: unknown): MessageOf<typeof vector.type> };
      const fromGo = encodeMessage(vector.type, codec.fromJSON(vector.goJson));
      expect(toCanonicalJson(vector.type, fromGo)).toEqual(vector.goJson);
      if (vector.byte_exact) expect(toHex(fromGo)).toBe(toHex(vector.bytes));
    } else {
      // The divergence is still there (else the note is stale) and it is the documented one.
      expect(isDeepStrictEqual(json, vector.goJson)).toBe(false);
      expect(JSON.stringify(json)).toContain('"UNRECOGNIZED"');
    }
  });

  it("protobufjs reflection: decodes to the Go JSON, encodes it back (identical bytes when byte-exact)", () => {
    expect(reflection.decode(vector.type, vector.bytes)).toEqual(vector.goJson);
    const encoded = reflection.encode(vector.type, vector.goJson as ReflectJson);
    if (vector.byte_exact) expect(toHex(encoded)).toBe(toHex(vector.bytes));
    expect(toCanonicalJson(vector.type, encoded)).toEqual(vector.goJson);
  });

  it("@bufbuild/protobuf: toCanonicalJson is the Go JSON exactly; fromCanonicalJson of it gives the bytes back", () => {
    expect(toCanonicalJson(vector.type, vector.bytes)).toEqual(vector.goJson);
    expect(`${toCanonicalJsonText(vector.type, vector.bytes)}\n`).toBe(vector.jsonText);
    const encoded = fromCanonicalJson(vector.type, vector.goJson as JsonValue);
    if (vector.byte_exact) expect(toHex(encoded)).toBe(toHex(vector.bytes));
    expect(toCanonicalJson(vector.type, encoded)).toEqual(vector.goJson);
  });
});

interface ExternalVerdicts {
  /** What ts-proto wrote after decoding the vector. */
  ours: Uint8Array;
  protocOnVector: { code: number | null; text: string; stderr: string };
  protocOnOurs: { code: number | null; text: string; stderr: string };
  bufOnOurs: { code: number | null; json: string; stderr: string };
}

describe("independent parsers (protoc C++, buf Go) on what our encoder writes", () => {
  const verdicts = new Map<string, ExternalVerdicts>();
  let workDir = "";

  beforeAll(async () => {
    workDir = mkdtempSync(join(tmpdir(), "presence-wire-compat-"));
    const image = join(workDir, "image.binpb");
    await bufBuildImage(image);
    await mapPool(vectors, TOOL_CONCURRENCY, async (vector) => {
      const ours = tsProtoRoundTrip(vector);
      const protocOnVector = await protocDecode(vector.message, vector.bytes);
      const protocOnOurs = await protocDecode(vector.message, ours);
      const bufOnOurs = await bufConvertToJson(image, vector.message, ours);
      verdicts.set(vector.name, {
        ours,
        protocOnVector: { code: protocOnVector.code, text: protocOnVector.stdout.toString("utf8"), stderr: protocOnVector.stderr },
        protocOnOurs: { code: protocOnOurs.code, text: protocOnOurs.stdout.toString("utf8"), stderr: protocOnOurs.stderr },
        bufOnOurs: {
          code: bufOnOurs.code,
          json: bufOnOurs.code === 0 ? normaliseJsonText(bufOnOurs.stdout.toString("utf8")) : "",
          stderr: bufOnOurs.stderr,
        },
      });
    });
  });

  afterAll(() => {
    if (workDir !== "") rmSync(workDir, { recursive: true, force: true });
  });

  it.each(vectors)("$name: protoc --decode prints the same text for the vector and for our re-encoding", (vector) => {
    const verdict = verdicts.get(vector.name)!;
    expect(verdict.protocOnVector.stderr).toBe("");
    expect(verdict.protocOnVector.code).toBe(0);
    expect(verdict.protocOnOurs.code).toBe(0);
    expect(verdict.protocOnOurs.text).toBe(verdict.protocOnVector.text);
  });

  it.each(vectors)("$name: buf convert of our re-encoding is the committed Go JSON", (vector) => {
    const verdict = verdicts.get(vector.name)!;
    expect(verdict.bufOnOurs.stderr).toBe("");
    expect(verdict.bufOnOurs.json).toBe(vector.jsonText);
  });

  it("unknown fields from a newer version pass through ts-proto: protoc still prints them, by number", () => {
    const withUnknown = vectors.filter((v) => v.unknown_fields);
    expect(withUnknown.length).toBeGreaterThanOrEqual(3);
    for (const vector of withUnknown) {
      const text = verdicts.get(vector.name)!.protocOnOurs.text;
      // C++ prints an unknown field as its number: `99: 5`, `18: "..."`, `50 { ... }`.
      expect(text, vector.name).toMatch(/^\s*\d+(: | \{)/m);
    }
  });
});
