// The write batch: each flush asked for in a turn runs once, after the turn,
// in the order asked; one asked for while the flushes run waits for the next turn.
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
