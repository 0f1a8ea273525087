// The independent implementations the golden vectors are checked against:
// protoc (the C++ runtime) and buf (the Go runtime), run as child processes.
// Shared by scripts/make-vectors.ts and the wire-compat tests.
//
// The npm packages wrap both binaries in a Node launcher that costs ~0.3 s per
// call; we call the platform binaries directly when they are installed.
import { spawn } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { PROTO_ENTRY, PROTO_ROOT, REPO_ROOT } from "./paths.js";

const require = createRequire(import.meta.url);

interface ProtocAsset {
  platform: string;
  arch: string;
  executable: string;
}

/** The protoc binary of the npm package `protoc` for this platform (falls back to its Node launcher). */
export function protocPath(): string {
  const packageDir = dirname(require.resolve("protoc/package.json"));
  const assets = JSON.parse(readFileSync(join(packageDir, "assets.json"), "utf8")) as ProtocAsset[];
  const asset = assets.find((a) => a.platform === process.platform && a.arch === process.arch);
  const binary = asset === undefined ? undefined : join(packageDir, "bin", asset.executable);
  return binary !== undefined && existsSync(binary) ? binary : join(REPO_ROOT, "node_modules/.bin/protoc");
}

const BUF_PLATFORM_PACKAGES: Record<string, string> = {
  "darwin-arm64": "@bufbuild/buf-darwin-arm64",
  "darwin-x64": "@bufbuild/buf-darwin-x64",
  "linux-arm64": "@bufbuild/buf-linux-aarch64",
  "linux-arm": "@bufbuild/buf-linux-armv7",
  "linux-x64": "@bufbuild/buf-linux-x64",
  "win32-arm64": "@bufbuild/buf-win32-arm64",
  "win32-x64": "@bufbuild/buf-win32-x64",
};

/** The buf binary of the npm package `@bufbuild/buf` for this platform (falls back to its Node launcher). */
export function bufPath(): string {
  const packageName = BUF_PLATFORM_PACKAGES[`${process.platform}-${process.arch}`];
  if (packageName !== undefined) {
    try {
      const binary = join(dirname(require.resolve(`${packageName}/package.json`)), "bin", process.platform === "win32" ? "buf.exe" : "buf");
      if (existsSync(binary)) return binary;
    } catch {
      // Not installed for this platform: use the launcher.
    }
  }
  return join(REPO_ROOT, "node_modules/.bin/buf");
}

export interface RunResult {
  /** The exit code (null when killed by a signal). */
  code: number | null;
  stdout: Buffer;
  stderr: string;
}

/** Runs a command with optional stdin; never rejects on a non-zero exit (callers look at `code`). */
export function run(command: string, args: readonly string[], options: { input?: Uint8Array | string; cwd?: string } = {}): Promise<RunResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, { cwd: options.cwd ?? REPO_ROOT, stdio: ["pipe", "pipe", "pipe"] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on("data", (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on("data", (chunk: Buffer) => stderr.push(chunk));
    child.on("error", reject);
    child.on("close", (code) => {
      resolvePromise({ code, stdout: Buffer.concat(stdout), stderr: Buffer.concat(stderr).toString("utf8") });
    });
    // A child that exits before reading all of stdin (it rejected the input) closes the pipe: not our failure.
    child.stdin.on("error", () => undefined);
    child.stdin.end(options.input ?? "");
  });
}

/** Like `run`, but rejects unless the command exits with 0. */
export async function runOrThrow(command: string, args: readonly string[], options: { input?: Uint8Array | string; cwd?: string } = {}): Promise<Buffer> {
  const result = await run(command, args, options);
  if (result.code !== 0) {
    throw new Error(`${command} ${args.join(" ")} exited with ${String(result.code)}: ${result.stderr.trim()}`);
  }
  return result.stdout;
}

/** Maps `items` with at most `limit` calls of `fn` in flight; results keep the input order. */
export async function mapPool<T, R>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** A few child processes at a time: CI machines have two cores, shared with the other suites. */
export const TOOL_CONCURRENCY = 3;

/** `protoc --encode`: text format to binary with the C++ runtime. */
export async function protocEncode(messageType: string, text: string): Promise<Uint8Array> {
  const out = await runOrThrow(protocPath(), [`--encode=${messageType}`, "--deterministic_output", "-I", PROTO_ROOT, PROTO_ENTRY], {
    input: text,
  });
  return new Uint8Array(out);
}

/** `protoc --decode`: binary to text format with the C++ runtime. Exit code 1 when the C++ parser rejects the bytes. */
export function protocDecode(messageType: string, bytes: Uint8Array): Promise<RunResult> {
  return run(protocPath(), [`--decode=${messageType}`, "-I", PROTO_ROOT, PROTO_ENTRY], { input: bytes });
}

/** `buf build -o <image>`: the module in proto/ as a binary image (with the imported well-known types). */
export async function bufBuildImage(imagePath: string): Promise<void> {
  await runOrThrow(bufPath(), ["build", "-o", imagePath]);
}

/** `buf convert`: binary to proto3 JSON with the Go runtime (protojson). */
export function bufConvertToJson(imagePath: string, messageType: string, bytes: Uint8Array): Promise<RunResult> {
  return run(bufPath(), ["convert", imagePath, "--type", messageType, "--from", "-#format=binpb", "--to", "-#format=json"], { input: bytes });
}

/**
 * Go's protojson randomises insignificant whitespace between builds on
 * purpose, so the committed JSON is buf's output parsed and printed again with
 * two-space indentation and a final newline. Values and key order are buf's.
 */
export function normaliseJsonText(text: string): string {
  return `${JSON.stringify(JSON.parse(text), null, 2)}\n`;
}
