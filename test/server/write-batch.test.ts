// The write batch: each flush asked for in a turn runs once, after the turn,
// in the order asked; one asked for while the flushes run waits for the next
// turn; with a window, notifications' flushes wait for it to close.
import { expect, it } from "vitest";
import { WriteBatch, type Flushable } from "../../src/server/write-batch.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));
const unexpected = () => {
  throw new Error("flushed the wrong way");
};
/** A target flushed at the end of the turn. */
const turn = (flush: () => void): Flushable => ({ flushTurn: flush, flushWindow: unexpected });
/** A target flushed when the window closes. */
const window = (flush: () => void): Flushable => ({ flushTurn: unexpected, flushWindow: flush });

it("runs the turn's flushes after it, once each, in the order they were asked for", async () => {
  const batch = new WriteBatch();
  const ran: string[] = [];
  batch.atTurnEnd(turn(() => ran.push("a")));
  batch.atTurnEnd(turn(() => ran.push("b")));
  batch.atTurnEnd(turn(() => ran.push("c")));
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
  batch.atTurnEnd(
    turn(() => {
      ran.push("first");
      batch.atTurnEnd(turn(() => ran.push("again")));
    }),
  );
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
  batch.atWindowEnd(
    window(() => {
      ran.push("window a");
      closedAfterMs = performance.now() - started;
    }),
  );
  batch.atTurnEnd(turn(() => ran.push("turn")));
  await nextTurn();
  batch.atWindowEnd(window(() => ran.push("window b")));
  expect(ran).toEqual(["turn"]);
  for (let i = 0; i < 100 && ran.length < 3; i++) await new Promise((resolve) => setTimeout(resolve, 10));
  expect(ran).toEqual(["turn", "window a", "window b"]);
  expect(closedAfterMs).toBeGreaterThanOrEqual(39);
});

it("without a window, runs the window's flushes at the end of the turn, before the turn's, whichever asked first", async () => {
  const batch = new WriteBatch(0);
  const ran: string[] = [];
  batch.atTurnEnd(turn(() => ran.push("turn")));
  batch.atWindowEnd(window(() => ran.push("window")));
  await nextTurn();
  expect(ran).toEqual(["window", "turn"]);
});
