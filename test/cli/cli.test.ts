// The presence-wire CLI as a user runs it: a child process, bytes in and out, exit codes.
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { encodeDelimited } from "../../src/codec/stream.js";
import { DEV_SECRET, verifyToken } from "../../src/token/token.js";

interface Run {
  code: number;
  stdout: Buffer;
  stderr: string;
}

async function cli(args: string[], input?: Uint8Array | string): Promise<Run> {
  const child = execFile(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], { encoding: "buffer", env: { ...process.env, PRESENCE_SECRET: "" } });
  const done = new Promise<Run>((resolve) => {
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on("data", (chunk: Buffer) => out.push(chunk));
    child.stderr!.on("data", (chunk: Buffer) => err.push(chunk));
    child.on("close", (code) => resolve({ code: code ?? -1, stdout: Buffer.concat(out), stderr: Buffer.concat(err).toString() }));
  });
  child.stdin!.end(input ?? "");
  return done;
}

const vector = (name: string) => readFileSync(`test/vectors/${name}`);

describe("presence-wire", () => {
  it("decodes a golden vector to the same JSON buf convert printed", async () => {
    const run = await cli(["decode", "--type", "presence.v1.Frame"], vector("frame-get-user-status-response.binpb"));
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout.toString())).toEqual(JSON.parse(vector("frame-get-user-status-response.json").toString()));
  });

  it("encodes JSON back to the golden bytes, in binary, hex and base64", async () => {
    const json = vector("frame-get-user-status-response.json");
    const binary = await cli(["encode"], json);
    expect(binary.code).toBe(0);
    expect(binary.stdout.equals(vector("frame-get-user-status-response.binpb"))).toBe(true);
    const hex = await cli(["encode", "--to", "hex"], json);
    expect(hex.stdout.toString().trim()).toBe(vector("frame-get-user-status-response.binpb").toString("hex"));
    const base64 = await cli(["encode", "--to", "base64"], json);
    const back = await cli(["decode", "--from", "base64", "--data", base64.stdout.toString()]);
    expect(JSON.parse(back.stdout.toString())).toEqual(JSON.parse(json.toString()));
  });

  it("decodes a length-delimited stream to one JSON line per frame", async () => {
    const frames = ["frame-ping.binpb", "frame-pong.binpb"].map((name) => encodeDelimited(vector(name)));
    const run = await cli(["decode", "--delimited"], Buffer.concat(frames));
    expect(run.code).toBe(0);
    const lines = run.stdout.toString().trim().split("\n").map((line) => JSON.parse(line));
    expect(lines).toEqual([JSON.parse(vector("frame-ping.json").toString()), JSON.parse(vector("frame-pong.json").toString())]);
  });

  it("rejects malformed bytes with exit 1 and the typed error", async () => {
    const run = await cli(["decode", "--from", "hex", "--data", "0a0501"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/DecodeError/);
    expect(run.stdout.length).toBe(0);
  });

  it("rejects invalid UTF-8 instead of replacing it", async () => {
    const run = await cli(["decode", "--type", "UserStatus", "--from", "hex", "--data", "0a02c080"]);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/UTF-8/);
  });

  it("rejects JSON with an unknown field, and bad hex, with exit 1", async () => {
    expect((await cli(["encode", "--data", '{"requestId": 1, "bogus": true}'])).code).toBe(1);
    expect((await cli(["decode", "--from", "hex", "--data", "0g"])).code).toBe(1);
    expect((await cli(["encode", "--data", "{not json"])).code).toBe(1);
  });

  it("answers usage errors with exit 2", async () => {
    expect((await cli(["decode", "--type", "Nope"])).code).toBe(2);
    expect((await cli(["frobnicate"])).code).toBe(2);
    expect((await cli([])).code).toBe(2);
    expect((await cli(["--help"])).code).toBe(0);
  });

  it("lists the message types and prints the spec's limits", async () => {
    const types = (await cli(["types"])).stdout.toString().trim().split("\n");
    expect(types).toContain("presence.v1.Frame");
    expect(types).toHaveLength(21);
    const limits = JSON.parse((await cli(["limits"])).stdout.toString());
    expect(limits).toMatchObject({ maxQueryUsers: 500, maxSubscriptions: 200, heartbeatTimeoutMs: 400000 });
  });

  it("mints a token the reference server accepts", async () => {
    const run = await cli(["token", "alice", "--ttl", "60"]);
    expect(run.code).toBe(0);
    const token = run.stdout.toString().trim();
    expect(verifyToken(token, "alice", DEV_SECRET, Date.now())).toBeUndefined();
    expect(verifyToken(token, "bob", DEV_SECRET, Date.now())).toBeDefined();
  });
});
