// The package's entry points: each subpath of "exports" is built from a source
// file that exists, and protobufjs is needed only by the reflection entry.
import { existsSync, readFileSync } from "node:fs";
import { expect, it } from "vitest";

interface PackageJson {
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
