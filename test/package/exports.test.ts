// The package's entry points: each subpath of "exports" is built from a source
// file that exists, and protobufjs is needed only by the reflection entry; what
// `npm pack` puts in it is what a team in another language starts from.
import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";

interface PackageJson {
  repository: { url: string };
  exports: Record<string, string | { types: string; default: string }>;
  dependencies: Record<string, string>;
  peerDependencies: Record<string, string>;
  peerDependenciesMeta: Record<string, { optional?: boolean }>;
}

const manifest = JSON.parse(readFileSync("package.json", "utf8")) as PackageJson;

it("maps every compiled subpath to a source file", () => {
  const compiled = Object.values(manifest.exports).flatMap((target) => (typeof target === "string" ? [] : [target.default]));
  const missing = compiled.filter((target) => !target.includes("*")).map((target) => target.replace(/^\.\/dist\//, "").replace(/\.js$/, ".ts")).filter((source) => !existsSync(source));
  expect(missing).toEqual([]);
  expect(manifest.exports["./reflect"]).toMatchObject({ default: "./dist/src/reflect/index.js" });
});

it("makes protobufjs an optional peer, not a dependency", () => {
  expect(manifest.dependencies).not.toHaveProperty("protobufjs");
  expect(manifest.peerDependenciesMeta.protobufjs?.optional).toBe(true);
  expect(manifest.peerDependencies).toHaveProperty("protobufjs");
});

it("ships the schema, the golden vectors with their manifests, the protocol document and the licence", () => {
  const [packed] = JSON.parse(execFileSync("npm", ["pack", "--dry-run", "--json", "--ignore-scripts"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] })) as { files: { path: string }[] }[];
  const files = new Set(packed!.files.map((file) => file.path));
  for (const path of ["LICENSE", "proto/presence/v1/frame.proto", "test/vectors/manifest.json", "test/vectors/negative/manifest.json", "test/vectors/frame-empty.binpb", "docs/protocol.md", "docs/vectors.md"]) {
    expect(files, path).toContain(path);
  }
  expect(manifest.exports["./vectors/*"]).toBe("./test/vectors/*");
  expect(manifest.repository.url).toBe("git+https://github.com/presence-wire/presence-wire.git");
});
