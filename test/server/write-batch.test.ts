// The write batch: each flush asked for in a turn runs once, after the turn,
// in the order asked; one asked for while the flushes run waits for the next
// turn; with a window, notifications' flushes wait for it to close.
import { expect, it } from "vitest";
import { WriteBatch } from "../../src/server/write-batch.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

it("runs the turn's flushes after it, once each, in the order they were asked for", async () => {
  const batch = new WriteBatch();
  const ran: string[] = [];
  batch.atTurnEnd(() => ran.push("a"));
  batch.atTurnEnd(() => ran.push("b"));
  batch.atTurnEnd(() => ran.push("c"));
  await Promise.resolve();
  expect(ran).toEqual([]);
  await nextTurn();
  expect(ran).toEqual(["a", "b", "c"]);
  await nextTurn();
  expect(ran).toEqual(["a", "b", "c"]);
});

it("leaves a flush asked for while the flushes run to the next turn", async () => {
  const batch = new WriteBatch();
  const ran: string[] = [];
  batch.atTurnEnd(() => {
    ran.push("first");
    batch.atTurnEnd(() => ran.push("again"));
  });
  let afterFirstTurn: string[] = [];
  setImmediate(() => (afterFirstTurn = [...ran]));
  await nextTurn();
  await nextTurn();
  expect(afterFirstTurn).toEqual(["first"]);
  expect(ran).toEqual(["first", "again"]);
});

it("runs the flushes asked for within a window once, when it closes, and the turn's as before", async () => {
  const batch = new WriteBatch(40);
  const ran: string[] = [];
  const started = performance.now();
  let closedAfterMs = 0;
  batch.atWindowEnd(() => {
    ran.push("window a");
    closedAfterMs = performance.now() - started;
  });
  batch.atTurnEnd(() => ran.push("turn"));
  await nextTurn();
  batch.atWindowEnd(() => ran.push("window b"));
  expect(ran).toEqual(["turn"]);
  for (let i = 0; i < 100 && ran.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(ran).toEqual(["turn", "window a", "window b"]);
  expect(closedAfterMs).toBeGreaterThanOrEqual(39);
});

it("without a window, runs a window's flush at the end of the turn", async () => {
  const batch = new WriteBatch(0);
  const ran: string[] = [];
  batch.atWindowEnd(() => ran.push("window"));
  batch.atTurnEnd(() => ran.push("turn"));
  await nextTurn();
  expect(ran).toEqual(["window", "turn"]);
});
