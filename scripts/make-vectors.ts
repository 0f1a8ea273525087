// Regenerates the golden wire vectors of test/vectors from their sources, with
// implementations independent of this library:
//
//   <name>.txtpb  --protoc --encode (C++)-->  <name>.binpb  --buf convert (Go)-->  <name>.json
//   <name>.hex    --(the bytes as written)->  <name>.binpb  --buf convert (Go)-->  <name>.json
//
// and writes test/vectors/manifest.json from the `# key: value` headers of the
// sources. Negative vectors (test/vectors/negative/*.hex) are checked against
// protoc and buf (each must reject, or accept where the header says so) and
// listed in test/vectors/negative/manifest.json.
//
// The two 500-user sources are themselves generated first, deterministically
// (scripts/vectors/generated-sources.ts). The tooling this shares with the
// wire-compat tests (running protoc and buf, the manifests) is in scripts/vectors/.
//
//   npm run vectors             regenerate in place
//   npm run vectors -- --check  regenerate into a temporary folder and fail on any difference
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DecodeError } from "../src/codec/errors.js";
import { GENERATED_SOURCE_NAMES, generatedSources } from "./vectors/generated-sources.js";
import { parseHex } from "./vectors/hex.js";
import {
  DIVERGENCE_KEYS,
  manifestOf,
  type DivergenceKey,
  type NegativeEntry,
  type NegativeManifest,
  type ParserVerdict,
  type VectorEntry,
  type VectorManifest,
} from "./vectors/manifest.js";
import { NEGATIVE_DIR, VECTORS_DIR } from "./vectors/paths.js";
import { SourceHeader } from "./vectors/source-header.js";
import { bufBuildImage, bufConvertToJson, mapPool, normaliseJsonText, protocDecode, protocEncode, TOOL_CONCURRENCY } from "./vectors/tools.js";

const DECODE_ERROR_KINDS = new Set<string>([
  "truncated",
  "bad-wire-type",
  "bad-field-number",
  "overlong-varint",
  "length-out-of-range",
  "invalid-utf8",
  "too-deep",
  "frame-too-large",
  "bad-length-prefix",
]);

// ---------------------------------------------------------------------------
// Positive vectors.

interface PositiveSource {
  file: string;
  text: string;
}

async function makePositive(sources: PositiveSource[], image: string, outDir: string): Promise<VectorManifest> {
  const vectors = await mapPool(sources, TOOL_CONCURRENCY, async ({ file, text }): Promise<VectorEntry> => {
    const header = new SourceHeader(file, text);
    const name = header.stem;
    const message = header.message();
    const bytes = file.endsWith(".hex") ? parseHex(text) : await protocEncode(message, text);
    const converted = await bufConvertToJson(image, message, bytes);
    if (converted.code !== 0) throw new Error(`${file}: buf convert rejected the bytes: ${converted.stderr.trim()}`);
    writeFileSync(join(outDir, `${name}.binpb`), bytes);
    writeFileSync(join(outDir, `${name}.json`), normaliseJsonText(converted.stdout.toString("utf8")));
    const divergences: Partial<Record<DivergenceKey, string>> = {};
    for (const [implementation, value] of header.withPrefix("divergence-")) {
      if (!(DIVERGENCE_KEYS as readonly string[]).includes(implementation)) throw new Error(`${file}: unknown header "# divergence-${implementation}:"`);
      divergences[implementation as DivergenceKey] = value;
    }
    const entry: VectorEntry = {
      name,
      message,
      source: file,
      binary: `${name}.binpb`,
      json: `${name}.json`,
      byte_exact: header.boolean("byte-exact"),
      unknown_fields: header.boolean("unknown-fields", false),
      description: header.required("description"),
    };
    if (entry.byte_exact && entry.unknown_fields) throw new Error(`${file}: a vector with unknown fields cannot be byte-exact`);
    if (entry.byte_exact && file.endsWith(".hex")) throw new Error(`${file}: hex sources are for bytes protoc cannot write; they are not byte-exact`);
    return Object.keys(divergences).length > 0 ? { ...entry, known_divergences: divergences } : entry;
  });
  return manifestOf(vectors);
}

// ---------------------------------------------------------------------------
// Negative vectors.

async function makeNegative(image: string): Promise<NegativeManifest> {
  const files = readdirSync(NEGATIVE_DIR).filter((file) => file.endsWith(".hex")).sort();
  const vectors = await mapPool(files, TOOL_CONCURRENCY, async (file): Promise<NegativeEntry> => {
    const text = readFileSync(join(NEGATIVE_DIR, file), "utf8");
    const header = new SourceHeader(file, text);
    const message = header.message();
    const expected = header.required("expected-error");
    if (!DECODE_ERROR_KINDS.has(expected)) throw new Error(`${file}: "${expected}" is not a DecodeError kind`);
    const bytes = parseHex(text);
    const protoc = header.verdict("protoc");
    const buf = header.verdict("buf");
    // The headers record what the independent parsers do; hold them to it.
    const protocObserved: ParserVerdict = (await protocDecode(message, bytes)).code === 0 ? "accepts" : "rejects";
    const bufObserved: ParserVerdict = (await bufConvertToJson(image, message, bytes)).code === 0 ? "accepts" : "rejects";
    if (protocObserved !== protoc) throw new Error(`${file}: header says protoc ${protoc}, but protoc --decode ${protocObserved} the bytes`);
    if (bufObserved !== buf) throw new Error(`${file}: header says buf ${buf}, but buf convert ${bufObserved} the bytes`);
    const note = header.optional("note");
    if ((protoc === "accepts" || buf === "accepts") && note === undefined) {
      throw new Error(`${file}: an independent parser accepts these bytes; say why in a "# note:" header`);
    }
    const entry: NegativeEntry = {
      name: header.stem,
      message,
      source: file,
      expected_error: expected as DecodeError["kind"],
      protoc,
      buf,
      description: header.required("description"),
    };
    return note === undefined ? entry : { ...entry, note };
  });
  return manifestOf(vectors);
}

// ---------------------------------------------------------------------------

function listFiles(dir: string, pattern: RegExp): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((entry) => entry.isFile() && pattern.test(entry.name))
    .map((entry) => entry.name)
    .sort();
}

async function main(): Promise<void> {
  const check = process.argv.includes("--check");
  const workDir = mkdtempSync(join(tmpdir(), "presence-vectors-"));
  const outDir = check ? join(workDir, "vectors") : VECTORS_DIR;
  const negativeOutDir = join(outDir, "negative");
  mkdirSync(negativeOutDir, { recursive: true });
  try {
    const generated = generatedSources();
    writeFileSync(join(outDir, GENERATED_SOURCE_NAMES.request), generated.request);
    writeFileSync(join(outDir, GENERATED_SOURCE_NAMES.response), generated.response);
    const sourceFiles = [...new Set([...listFiles(VECTORS_DIR, /\.(txtpb|hex)$/), ...Object.values(GENERATED_SOURCE_NAMES)])].sort();
    const sources = sourceFiles.map((file) => ({
      file,
      // A generated source is read from where it was just written (in --check, the fresh one).
      text: readFileSync(join((Object.values(GENERATED_SOURCE_NAMES) as string[]).includes(file) ? outDir : VECTORS_DIR, file), "utf8"),
    }));

    const image = join(workDir, "image.binpb");
    await bufBuildImage(image);
    const manifest = await makePositive(sources, image, outDir);
    writeFileSync(join(outDir, "manifest.json"), `${JSON.stringify(manifest, null, 2)}\n`);
    const negative = await makeNegative(image);
    writeFileSync(join(negativeOutDir, "manifest.json"), `${JSON.stringify(negative, null, 2)}\n`);

    const written = [
      ...Object.values(GENERATED_SOURCE_NAMES),
      "manifest.json",
      ...manifest.vectors.flatMap((v) => [v.binary, v.json]),
    ];
    if (!check) {
      // Outputs whose source is gone are stale: remove them.
      const keep = new Set(written);
      for (const file of listFiles(VECTORS_DIR, /\.(binpb|json)$/)) {
        if (!keep.has(file)) rmSync(join(VECTORS_DIR, file));
      }
      console.log(`wrote ${manifest.vectors.length} vectors and ${negative.vectors.length} negative vectors to test/vectors`);
      return;
    }

    const problems: string[] = [];
    const compare = (relative: string): void => {
      let committed: Buffer;
      try {
        committed = readFileSync(join(VECTORS_DIR, relative));
      } catch {
        problems.push(`${relative}: missing (run npm run vectors)`);
        return;
      }
      if (!committed.equals(readFileSync(join(outDir, relative)))) problems.push(`${relative}: differs from a fresh regeneration`);
    };
    for (const file of written) compare(file);
    compare("negative/manifest.json");
    const expected = new Set(written);
    for (const file of listFiles(VECTORS_DIR, /\.(binpb|json)$/)) {
      if (!expected.has(file)) problems.push(`${file}: no source produces it (stale)`);
    }
    if (problems.length > 0) {
      console.error(`test/vectors is not current:\n  ${problems.join("\n  ")}\nRun \`npm run vectors\` and commit the result.`);
      process.exitCode = 1;
      return;
    }
    console.log(`test/vectors is current: ${manifest.vectors.length} vectors, ${negative.vectors.length} negative vectors`);
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

await main();
