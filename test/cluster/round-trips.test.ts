// The Redis round trips of the operations, counted by bench/cluster/round-trips.ts
// against a real redis-server: the query reads every record in one pipeline.
import { execFile } from "node:child_process";
import { expect, it } from "vitest";

it("reads a 500-user query's records in one round trip (plus two for the shared rate limit) and answers one's own status in one", async () => {
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", "bench/cluster/round-trips.ts"], (error, out, err) => (error ? reject(new Error(err)) : resolve(out))),
  );
  const trips = JSON.parse(stdout) as Record<string, number>;
  expect(trips["get own status"]).toBe(1);
  expect(trips["get 500 others' status"]).toBe(3);
  expect(trips.ping).toBe(0);
  expect(trips["set own status (one subscriber to notify)"]).toBe(4);
});
