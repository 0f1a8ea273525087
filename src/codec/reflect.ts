// A runtime reflection codec on protobufjs: it loads the .proto files of the
// spec when it starts, so tools can decode frames without compiled code (and
// with a newer proto/ than they were built with). Its bytes agree with the
// generated codecs; the tests prove it.
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { ConfigError, DecodeError, EncodeError } from "./errors.js";
import { checkWire, type WireKind, type WireSchema } from "./wire-check.js";

/** The proto3 JSON shape protobufjs reads and writes (camelCase names, enum names, 64-bit as strings). */
export type ReflectJson = Record<string, unknown>;

const PACKAGE = "presence.v1";
const ENTRY_FILE = "presence/v1/frame.proto";

const TO_JSON: protobuf.IConversionOptions = { longs: String, enums: String, bytes: String, json: true };

/** The proto/ folder of this package, found from this module's location (src/ or dist/src/). */
export function packagedProtoDir(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, "proto");
    if (existsSync(join(candidate, ENTRY_FILE))) return candidate;
    const parent = dirname(dir);
    if (parent === dir) throw new ConfigError(`cannot find proto/${ENTRY_FILE} above ${fileURLToPath(import.meta.url)}`);
    dir = parent;
  }
}

function protobufjsIncludeDir(): string {
  return dirname(createRequire(import.meta.url).resolve("protobufjs/package.json"));
}

const FIXED64 = new Set(["double", "fixed64", "sfixed64"]);
const FIXED32 = new Set(["float", "fixed32", "sfixed32"]);

function wireKindOf(field: protobuf.Field): WireKind {
  if (field.resolvedType instanceof protobuf.Type) return "message";
  if (field.type === "string") return "string";
  if (field.type === "bytes") return "bytes";
  if (FIXED64.has(field.type)) return "fixed64";
  if (FIXED32.has(field.type)) return "fixed32";
  return "varint";
}

function wireSchemaOf(root: protobuf.Root): WireSchema {
  const schema: Record<string, Record<number, { name: string; kind: WireKind; message?: string }>> = {};
  const visit = (namespace: protobuf.NamespaceBase): void => {
    for (const nested of namespace.nestedArray) {
      if (nested instanceof protobuf.Type) {
        const fields: Record<number, { name: string; kind: WireKind; message?: string }> = {};
        for (const field of nested.fieldsArray) {
          const kind = wireKindOf(field);
          fields[field.id] = kind === "message"
            ? { name: field.name, kind, message: field.resolvedType!.fullName.slice(1) }
            : { name: field.name, kind };
        }
        schema[nested.fullName.slice(1)] = fields;
      }
      if (nested instanceof protobuf.Namespace) visit(nested);
    }
  };
  visit(root);
  return schema;
}

// protobufjs writes lone surrogates as raw (invalid) UTF-8; conformant runtimes write U+FFFD.
function toWellFormed(value: unknown): unknown {
  if (typeof value === "string") return value.toWellFormed();
  if (Array.isArray(value)) return value.map(toWellFormed);
  if (value !== null && typeof value === "object" && !(value instanceof Uint8Array)) {
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, toWellFormed(inner)]));
  }
  return value;
}

const INTEGER_TYPES = new Set(["int32", "uint32", "sint32", "fixed32", "sfixed32", "int64", "uint64", "sint64", "fixed64", "sfixed64"]);
const INTEGER_TEXT = /^-?\d+$/;

// protobufjs's fromObject silently drops unknown keys and unknown enum names and turns bad numbers into 0; reject them instead.
function checkJsonShape(type: protobuf.Type, json: unknown, path: string): void {
  if (json === null || typeof json !== "object" || Array.isArray(json)) {
    throw new EncodeError(`${path}: expected an object`);
  }
  for (const [key, value] of Object.entries(json)) {
    const field = type.fields[key];
    if (!field) throw new EncodeError(`${path}.${key}: no such field`);
    if (value === null || value === undefined) continue;
    const values = field.repeated ? value : [value];
    if (!Array.isArray(values)) throw new EncodeError(`${path}.${key}: expected an array`);
    for (const item of values) checkJsonValue(field, item, `${path}.${key}`);
  }
}

function checkJsonValue(field: protobuf.Field, value: unknown, path: string): void {
  const resolved = field.resolvedType;
  if (resolved instanceof protobuf.Type) {
    checkJsonShape(resolved, value, path);
  } else if (resolved instanceof protobuf.Enum) {
    const known = typeof value === "string" ? value in resolved.values : Number.isInteger(value);
    if (!known) throw new EncodeError(`${path}: ${JSON.stringify(value)} is not a value of ${resolved.name}`);
  } else if (INTEGER_TYPES.has(field.type)) {
    const ok = typeof value === "number" ? Number.isSafeInteger(value) : typeof value === "string" && INTEGER_TEXT.test(value);
    if (!ok) throw new EncodeError(`${path}: ${JSON.stringify(value)} is not an integer`);
  } else if (field.type === "string" && typeof value !== "string") {
    throw new EncodeError(`${path}: expected a string`);
  }
}

export class ReflectionCodec {
  private readonly wireSchema: WireSchema;

  private constructor(readonly root: protobuf.Root) {
    this.wireSchema = wireSchemaOf(root);
  }

  /** Loads presence/v1 from `protoDir` (default: the proto/ folder shipped with this package). */
  static load(protoDir: string = packagedProtoDir()): ReflectionCodec {
    const root = new protobuf.Root();
    const include = protobufjsIncludeDir();
    root.resolvePath = (_origin, target) =>
      target.startsWith("google/protobuf/") ? join(include, target) : join(protoDir, target);
    root.loadSync(ENTRY_FILE, { keepCase: false });
    root.resolveAll();
    return new ReflectionCodec(root);
  }

  /** The reflected type, by short ("Frame") or full ("presence.v1.Frame") name. */
  type(name: string): protobuf.Type {
    const full = name.includes(".") ? name : `${PACKAGE}.${name}`;
    try {
      return this.root.lookupType(full);
    } catch (cause) {
      throw new EncodeError(`no message ${full} in the loaded schema`, { cause });
    }
  }

  /** Decodes strictly (DecodeError on malformed input) to protobufjs's proto3 JSON shape. Unknown fields are dropped. */
  decode(name: string, bytes: Uint8Array): ReflectJson {
    const type = this.type(name);
    checkWire(bytes, this.wireSchema, type.fullName.slice(1));
    try {
      return type.toObject(type.decode(bytes), TO_JSON);
    } catch (cause) {
      throw new DecodeError("truncated", `${type.fullName.slice(1)} could not be decoded: ${String(cause)}`, undefined, { cause });
    }
  }

  /** Encodes a proto3-JSON-shaped object. Lone surrogates become U+FFFD, as in the generated codecs. */
  encode(name: string, json: ReflectJson): Uint8Array {
    const type = this.type(name);
    checkJsonShape(type, json, type.fullName.slice(1));
    try {
      return type.encode(type.fromObject(toWellFormed(json) as ReflectJson)).finish();
    } catch (cause) {
      throw new EncodeError(`${type.fullName.slice(1)} could not be encoded: ${String(cause)}`, { cause });
    }
  }
}
