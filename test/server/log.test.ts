// The server's logs: JSON lines through pino, filtered by level.
import { expect, it } from "vitest";
import { jsonLogger } from "../../src/server/log.js";

it("writes one JSON object per line with time, level, msg and the fields, at or above the level", () => {
  const lines: string[] = [];
  const logger = jsonLogger("info", (line) => lines.push(line));
  logger.log("debug", "not written");
  logger.log("info", "connection opened", { connection: "c1", version: 3n });
  logger.log("warn", "origin refused", { origin: "https://evil.example" });
  expect(lines.every((line) => line.endsWith("\n"))).toBe(true);
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(records).toEqual([
    { time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/), level: "info", msg: "connection opened", connection: "c1", version: 3 },
    { time: expect.any(String), level: "warn", msg: "origin refused", origin: "https://evil.example" },
  ]);
});
