// Where the golden vectors and the schema they are made from live.
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const PROTO_ROOT = join(REPO_ROOT, "proto");
/** The entry file: frame.proto imports every other file of presence.v1. */
export const PROTO_ENTRY = "presence/v1/frame.proto";
export const VECTORS_DIR = join(REPO_ROOT, "test/vectors");
export const NEGATIVE_DIR = join(VECTORS_DIR, "negative");
