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
// The two 500-user sources are themselves generated here (deterministically).
//
//   npm run vectors             regenerate in place
//   npm run vectors -- --check  regenerate into a temporary folder and fail on any difference
import { mkdtempSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DecodeError } from "../src/codec/errors.js";
import { isMessageName } from "../src/codec/messages.js";
import {
  DIVERGENCE_KEYS,
  MANIFEST_FORMAT,
  type DivergenceKey,
  type NegativeEntry,
  type NegativeManifest,
  type ParserVerdict,
  type VectorEntry,
  type VectorManifest,
} from "../test/wire-compat/manifest.js";
import {
  bufBuildImage,
  bufConvertToJson,
  mapPool,
  NEGATIVE_DIR,
  normaliseJsonText,
  parseHeader,
  parseHex,
  PROTO_ENTRY,
  protocDecode,
  protocEncode,
  TOOL_CONCURRENCY,
  VECTORS_DIR,
} from "../test/wire-compat/tools.js";
import { seededRandom } from "./seeded-random.js";

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
// The generated sources: a 500-user query and its answer.

function pick<T>(random: () => number, items: readonly T[]): T {
  return items[Math.floor(random() * items.length)]!;
}

function textString(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;
}

const LATIN_NAMES = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy", "mallory", "oscar", "peggy", "trent", "victor", "walter"];
const CJK_SURNAMES = ["王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周"];
const CJK_GIVEN = ["伟", "芳", "娜", "敏", "静", "强", "磊", "洋", "艳", "勇", "军", "杰"];
const CYRILLIC_NAMES = ["ольга", "иван", "мария", "дмитрий", "анна"];
const CUSTOM_STATUSES = [
  "",
  "",
  "",
  "In a meeting",
  "Out until Monday",
  "listening to music",
  "在开会",
  "出差中，回复较慢",
  "🎧 focus mode",
  "🏖️ vacation",
  "на связи после 18:00",
  "commuting 🚆",
];
const PLATFORMS = ["PLATFORM_IOS", "PLATFORM_ANDROID", "PLATFORM_WINDOWS", "PLATFORM_MACOS", "PLATFORM_LINUX", "PLATFORM_WEB", "PLATFORM_IPAD", "PLATFORM_ANDROID_PAD", "PLATFORM_MINI_PROGRAM"];

function userIdFor(index: number, random: () => number): string {
  switch (index % 5) {
    case 0:
      return `${100_000_000 + Math.floor(random() * 900_000_000)}-${index}`;
    case 1:
      return `${pick(random, LATIN_NAMES)}.${pick(random, LATIN_NAMES)}${index}`;
    case 2:
      return `${pick(random, CJK_SURNAMES)}${pick(random, CJK_GIVEN)}_${index}`;
    case 3:
      return `${pick(random, CYRILLIC_NAMES)}-${index}`;
    default:
      return `user_${index.toString(36).padStart(4, "0")}@corp.example`;
  }
}

interface GeneratedSources {
  request: string;
  response: string;
}

function generatedSources(): GeneratedSources {
  const random = seededRandom(20241122);
  const ids: string[] = [];
  const statuses: string[] = [];
  for (let index = 0; index < 500; index++) {
    const userId = userIdFor(index, random);
    ids.push(userId);
    const roll = random();
    const lines = [`  user_id: ${textString(userId)}`];
    if (roll < 0.55) {
      lines.push("  status_type: USER_STATUS_TYPE_ONLINE");
      const customStatus = pick(random, CUSTOM_STATUSES);
      if (customStatus !== "") lines.push(`  custom_status: ${textString(customStatus)}`);
      const devices = 1 + Math.floor(random() * 3);
      for (let d = 0; d < devices; d++) {
        const platform = pick(random, PLATFORMS);
        const deviceId = `${platform.slice("PLATFORM_".length).toLowerCase().replace(/_/g, "-")}-${Math.floor(random() * 0xffff).toString(16).padStart(4, "0")}`;
        lines.push("  online_devices {", `    device_id: ${textString(deviceId)}`, `    platform: ${platform}`, "  }");
      }
      lines.push(`  version: ${1 + Math.floor(random() * 5000)}`);
      lines.push(`  changed_at_ms: ${1_732_200_000_000 + Math.floor(random() * 100_000_000)}`);
      lines.push(`  reason: ${customStatus === "" ? "STATUS_CHANGE_REASON_LOGIN" : "STATUS_CHANGE_REASON_CUSTOM_STATUS_SET"}`);
    } else if (roll < 0.8) {
      lines.push("  status_type: USER_STATUS_TYPE_OFFLINE");
      lines.push(`  version: ${1 + Math.floor(random() * 5000)}`);
      lines.push(`  changed_at_ms: ${1_732_200_000_000 + Math.floor(random() * 100_000_000)}`);
      lines.push(`  reason: ${random() < 0.5 ? "STATUS_CHANGE_REASON_CONNECTION_CLOSED" : "STATUS_CHANGE_REASON_HEARTBEAT_TIMEOUT"}`);
    } else if (roll < 0.95) {
      lines.push("  status_type: USER_STATUS_TYPE_UNLOGINED");
      lines.push(`  version: ${1 + Math.floor(random() * 5000)}`);
      lines.push(`  changed_at_ms: ${1_732_200_000_000 + Math.floor(random() * 100_000_000)}`);
      lines.push("  reason: STATUS_CHANGE_REASON_LOGOUT");
    } else {
      // Never logged in: version 0, no time, no reason.
      lines.push("  status_type: USER_STATUS_TYPE_UNLOGINED");
    }
    statuses.push(`statuses {\n${lines.join("\n")}\n}`);
  }
  const generatedBy = "# Generated by scripts/make-vectors.ts (seeded, deterministic). Do not edit: change the script and run `npm run vectors`.";
  const request = [
    "# proto-file: presence/v1/frame.proto",
    "# proto-message: presence.v1.GetUserStatusRequest",
    "# byte-exact: true",
    "# description: A query of 500 users (Limits.max_query_users), ids in several scripts.",
    generatedBy,
    ...ids.map((id) => `user_ids: ${textString(id)}`),
    "",
  ].join("\n");
  const response = [
    "# proto-file: presence/v1/frame.proto",
    "# proto-message: presence.v1.GetUserStatusResponse",
    "# byte-exact: true",
    "# description: The answer to the 500-user query: online users with devices and mixed custom statuses (CJK, emoji), offline and never-logged-in users.",
    generatedBy,
    ...statuses,
    "",
  ].join("\n");
  return { request, response };
}

const GENERATED_SOURCE_NAMES = {
  request: "get-user-status-request-500-ids.txtpb",
  response: "get-user-status-response-500-users.txtpb",
} as const;

// ---------------------------------------------------------------------------
// Headers.

function requireHeader(header: Map<string, string>, key: string, file: string): string {
  const value = header.get(key);
  if (value === undefined || value === "") throw new Error(`${file}: missing header "# ${key}: ..."`);
  return value;
}

function booleanHeader(header: Map<string, string>, key: string, file: string, fallback?: boolean): boolean {
  const value = header.get(key);
  if (value === undefined && fallback !== undefined) return fallback;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new Error(`${file}: header "# ${key}:" must be true or false`);
}

function messageHeader(header: Map<string, string>, file: string): string {
  const message = requireHeader(header, "proto-message", file);
  if (!message.startsWith("presence.v1.") || !isMessageName(message.slice("presence.v1.".length))) {
    throw new Error(`${file}: ${message} is not a message of presence.v1`);
  }
  return message;
}

function verdictHeader(header: Map<string, string>, key: string, file: string): ParserVerdict {
  const value = requireHeader(header, key, file);
  if (value !== "rejects" && value !== "accepts") throw new Error(`${file}: header "# ${key}:" must be rejects or accepts`);
  return value;
}

function stemOf(file: string): string {
  return file.replace(/\.(txtpb|hex)$/, "");
}

// ---------------------------------------------------------------------------
// Positive vectors.

interface PositiveSource {
  file: string;
  text: string;
}

async function makePositive(sources: PositiveSource[], image: string, outDir: string): Promise<VectorManifest> {
  const vectors = await mapPool(sources, TOOL_CONCURRENCY, async ({ file, text }): Promise<VectorEntry> => {
    const header = parseHeader(text);
    const name = stemOf(file);
    const message = messageHeader(header, file);
    const bytes = file.endsWith(".hex") ? parseHex(text) : await protocEncode(message, text);
    const converted = await bufConvertToJson(image, message, bytes);
    if (converted.code !== 0) throw new Error(`${file}: buf convert rejected the bytes: ${converted.stderr.trim()}`);
    writeFileSync(join(outDir, `${name}.binpb`), bytes);
    writeFileSync(join(outDir, `${name}.json`), normaliseJsonText(converted.stdout.toString("utf8")));
    const divergences: Partial<Record<DivergenceKey, string>> = {};
    for (const [key, value] of header) {
      if (!key.startsWith("divergence-")) continue;
      const implementation = key.slice("divergence-".length);
      if (!(DIVERGENCE_KEYS as readonly string[]).includes(implementation)) throw new Error(`${file}: unknown header "# ${key}:"`);
      divergences[implementation as DivergenceKey] = value;
    }
    const entry: VectorEntry = {
      name,
      message,
      source: file,
      binary: `${name}.binpb`,
      json: `${name}.json`,
      byte_exact: booleanHeader(header, "byte-exact", file),
      unknown_fields: booleanHeader(header, "unknown-fields", file, false),
      description: requireHeader(header, "description", file),
    };
    if (entry.byte_exact && entry.unknown_fields) throw new Error(`${file}: a vector with unknown fields cannot be byte-exact`);
    if (entry.byte_exact && file.endsWith(".hex")) throw new Error(`${file}: hex sources are for bytes protoc cannot write; they are not byte-exact`);
    return Object.keys(divergences).length > 0 ? { ...entry, known_divergences: divergences } : entry;
  });
  return {
    format: MANIFEST_FORMAT,
    comment: "Generated by scripts/make-vectors.ts from the headers of the sources. Do not edit; see docs/vectors.md.",
    proto_include: "proto",
    proto_file: PROTO_ENTRY,
    vectors,
  };
}

// ---------------------------------------------------------------------------
// Negative vectors.

async function makeNegative(image: string, outDir: string): Promise<NegativeManifest> {
  const files = readdirSync(NEGATIVE_DIR).filter((file) => file.endsWith(".hex")).sort();
  const vectors = await mapPool(files, TOOL_CONCURRENCY, async (file): Promise<NegativeEntry> => {
    const text = readFileSync(join(NEGATIVE_DIR, file), "utf8");
    const header = parseHeader(text);
    const message = messageHeader(header, file);
    const expected = requireHeader(header, "expected-error", file);
    if (!DECODE_ERROR_KINDS.has(expected)) throw new Error(`${file}: "${expected}" is not a DecodeError kind`);
    const bytes = parseHex(text);
    const protoc = verdictHeader(header, "protoc", file);
    const buf = verdictHeader(header, "buf", file);
    // The headers record what the independent parsers do; hold them to it.
    const protocObserved: ParserVerdict = (await protocDecode(message, bytes)).code === 0 ? "accepts" : "rejects";
    const bufObserved: ParserVerdict = (await bufConvertToJson(image, message, bytes)).code === 0 ? "accepts" : "rejects";
    if (protocObserved !== protoc) throw new Error(`${file}: header says protoc ${protoc}, but protoc --decode ${protocObserved} the bytes`);
    if (bufObserved !== buf) throw new Error(`${file}: header says buf ${buf}, but buf convert ${bufObserved} the bytes`);
    const note = header.get("note");
    if ((protoc === "accepts" || buf === "accepts") && note === undefined) {
      throw new Error(`${file}: an independent parser accepts these bytes; say why in a "# note:" header`);
    }
    const entry: NegativeEntry = {
      name: stemOf(file),
      message,
      source: file,
      expected_error: expected as DecodeError["kind"],
      protoc,
      buf,
      description: requireHeader(header, "description", file),
    };
    return note === undefined ? entry : { ...entry, note };
  });
  return {
    format: MANIFEST_FORMAT,
    comment: "Generated by scripts/make-vectors.ts from the headers of the sources. Do not edit; see docs/vectors.md.",
    proto_include: "proto",
    proto_file: PROTO_ENTRY,
    vectors,
  };
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
    const negative = await makeNegative(image, negativeOutDir);
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
