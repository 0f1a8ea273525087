// Drivers bundled once into a single CommonJS file: a driver process then
// starts in a fraction of a second instead of loading TypeScript through tsx
// for every scenario.
import { basename, join } from "node:path";
import { build } from "esbuild";

/** Bundles the driver at `entry` into `dir`; returns the command that starts it. */
export async function bundledDriver(entry: string, dir: string): Promise<string> {
  const outfile = join(dir, `${basename(entry, ".ts")}.cjs`);
  // ws loads these native helpers only when they are installed.
  await build({ entryPoints: [entry], bundle: true, platform: "node", format: "cjs", outfile, external: ["bufferutil", "utf-8-validate"], logLevel: "error" });
  return `${JSON.stringify(process.execPath)} ${JSON.stringify(outfile)}`;
}
