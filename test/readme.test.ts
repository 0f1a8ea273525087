// The README's commands do what it says: every `npm run cli` example of its
// quick start succeeds, encode and decode agree with each other, and
// `npm start` (its main job) reaches "listening". Run as a user runs them.
import { execFile, spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const readme = readFileSync("README.md", "utf8");

/** The `npm run cli -- …` lines of the README's shell blocks, comments cut. */
const cliExamples = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)]
  .flatMap((block) => block[1]!.split("\n"))
  .map((line) => line.replace(/\s+#.*$/, "").trim())
  .filter((line) => line.startsWith("npm run cli -- "));

function run(command: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile("bash", ["-c", command.replace(/^npm run cli -- /, "node --import tsx src/cli/main.ts ")], (error, stdout, stderr) =>
      resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe("the README's commands", () => {
  it("has the CLI examples this test runs", () => {
    expect(cliExamples.map((line) => line.split(" ")[4])).toEqual(["token", "encode", "decode"]);
  });

  it.each(cliExamples)("%s", async (command) => {
    const { code, stdout, stderr } = await run(command);
    expect(stderr).toBe("");
    expect(code).toBe(0);
    expect(stdout.trim()).not.toBe("");
  });

  it("decodes what its encode example prints back to the example's frame", async () => {
    const encode = cliExamples.find((line) => line.includes(" encode "))!;
    const decode = cliExamples.find((line) => line.includes(" decode "))!;
    const encoded = (await run(encode)).stdout.trim();
    expect(decode).toContain(`--data ${encoded}`);
    expect(JSON.parse((await run(decode)).stdout)).toEqual({ requestId: 1, ping: {} });
  });

  it("npm start reaches listening", async () => {
    expect(readme).toMatch(/npm ci && npm start/);
    // Port 0: a free port, so a developer's running server does not collide with the test.
    const server = spawn("npm", ["start", "--silent"], { env: { ...process.env, PRESENCE_PORT: "0" }, detached: true });
    try {
      const listening = await new Promise<string>((resolve, reject) => {
        let output = "";
        const timer = setTimeout(() => reject(new Error(`no "listening" within 30 s:\n${output}`)), 30_000);
        const take = (chunk: Buffer) => {
          output += chunk.toString();
          const line = output.match(/listening on (ws:\/\/\S+)/);
          if (line) {
            clearTimeout(timer);
            resolve(line[1]!);
          }
        };
        server.stdout.on("data", take);
        server.stderr.on("data", take);
      });
      expect(listening).toMatch(/^ws:\/\/127\.0\.0\.1:\d+\/presence$/);
    } finally {
      // npm runs node in a child: stop the whole group by its PID.
      process.kill(-server.pid!, "SIGTERM");
    }
  });
});
