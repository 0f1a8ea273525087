// The Redis round trips of the operations, counted by bench/cluster/round-trips.ts
// against a real redis-server: a 500-user query is one round trip, its read
// sent together with the rate limit's count.
import { execFile } from "node:child_process";
import { expect, it } from "vitest";

it("answers a 500-user query in one round trip (the read and the shared rate limit's count together) and one's own status in one", async () => {
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(process.execPath, ["--import", "tsx", "bench/cluster/round-trips.ts"], (error, out, err) => (error ? reject(new Error(err)) : resolve(out))),
  );
  const trips = JSON.parse(stdout) as Record<string, { requests: number; roundTrips: number }>;
  expect(trips["get 500 others' status"]).toEqual({ requests: 2, roundTrips: 1 });
  expect(trips["get own status"]).toEqual({ requests: 1, roundTrips: 1 });
  expect(trips.ping).toEqual({ requests: 0, roundTrips: 0 });
  expect(trips["set own status (one subscriber to notify)"]?.roundTrips).toBe(4);
});
