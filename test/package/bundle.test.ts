// What a web app gets when it bundles the package for a browser: esbuild, platform
// browser, minified, as an application's bundler would, from the entry points'
// sources. The root must bundle without Node's modules and the SDK must stay
// within its budget, minified and gzipped.
import { gzipSync } from "node:zlib";
import { build, type Metafile } from "esbuild";
import { describe, expect, it } from "vitest";

/** The budget of `@presence/wire/client` in a browser bundle, minified and gzipped. */
const CLIENT_BUDGET_BYTES = 20 * 1024;

const ENTRIES = { root: "./src/index.ts", client: "./src/client/index.ts" } as const;

/** The protobuf-es descriptors (generated and well-known) and the registry built from them. */
const DESCRIPTORS = /generated\/es\/|@bufbuild\/protobuf\/dist\/esm\/(wkt|codegenv\d|registry)/;

interface Bundle {
  gzippedBytes: number;
  inputs: string[];
}

/** Bundles `source` (a module importing the entries) for a browser. */
async function bundle(source: string): Promise<Bundle> {
  const result = await build({
    stdin: { contents: source, resolveDir: process.cwd(), loader: "ts" },
    bundle: true,
    write: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    metafile: true,
    logLevel: "silent",
  });
  return { gzippedBytes: gzipSync(result.outputFiles[0]!.contents).length, inputs: inputsOf(result.metafile) };
}

function inputsOf(metafile: Metafile): string[] {
  return Object.values(metafile.outputs).flatMap((output) => Object.keys(output.inputs));
}

describe("bundled for a browser", () => {
  it("the root entry bundles whole, with no node: import and no protobufjs", async () => {
    const root = await bundle(`export * from "${ENTRIES.root}";`);
    expect(root.inputs.filter((input) => input.startsWith("node:") || input.includes("node_modules/protobufjs/"))).toEqual([]);
  });

  it(`the client SDK is within ${CLIENT_BUDGET_BYTES} bytes gzipped and carries no protobuf descriptors`, async () => {
    const client = await bundle(`export * from "${ENTRIES.client}";`);
    expect(client.inputs.filter((input) => DESCRIPTORS.test(input))).toEqual([]);
    expect(client.gzippedBytes).toBeLessThanOrEqual(CLIENT_BUDGET_BYTES);
  });

  it("an app importing the SDK and ErrorCode from the root (as the docs show) pays for no more of the root", async () => {
    const app = await bundle(
      `import { ErrorCode } from "${ENTRIES.root}"; import { PresenceClient } from "${ENTRIES.client}"; export const app = [ErrorCode, PresenceClient];`,
    );
    expect(app.gzippedBytes).toBeLessThanOrEqual(CLIENT_BUDGET_BYTES);
    expect(app.inputs.filter((input) => DESCRIPTORS.test(input))).toEqual([]);
  });
});
