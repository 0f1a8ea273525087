// Replays a golden trace on a fresh engine and simulated clock, and reports
// every step whose effects differ from the expected lines.
import { InMemoryFriends, InMemoryUserDirectory, PresenceEngine, simulatedTime, type EngineEffect } from "../../src/engine/index.js";
import { renderEffect, type Trace, type TraceStep } from "./trace-format.js";

export interface StepMismatch {
  step: TraceStep;
  actual: string[];
}

export function runTrace(trace: Trace): StepMismatch[] {
  const { clock, timers } = simulatedTime(0);
  const friends = new InMemoryFriends();
  for (const [a, b] of trace.friendships) friends.befriend(a, b);
  let effects: EngineEffect[] = [];
  const engine = new PresenceEngine({
    clock,
    timers,
    friends,
    directory: new InMemoryUserDirectory(trace.users),
    config: trace.config,
    sink: (effect) => effects.push(effect),
  });
  const mismatches: StepMismatch[] = [];
  for (const step of trace.steps) {
    effects = [];
    timers.advanceTo(step.atMs);
    const { event } = step;
    if (event.kind === "connect") engine.connect(event.connectionId);
    else if (event.kind === "drop") engine.disconnect(event.connectionId);
    else if (event.kind === "switch") engine.updateSwitches(event.changes);
    else if (event.kind === "frame") engine.receive(event.connectionId, event.frame);
    const actual = effects.map(renderEffect);
    if (actual.join("\n") !== step.expected.join("\n")) mismatches.push({ step, actual });
  }
  return mismatches;
}

/** A readable failure report: each differing step with what was expected and what came out. */
export function describeMismatches(mismatches: readonly StepMismatch[]): string {
  return mismatches
    .map(({ step, actual }) =>
      [
        `line ${step.lineNumber}: ${step.source}`,
        "  expected:",
        ...step.expected.map((l) => `    ${l}`),
        "  actual:",
        ...actual.map((l) => `    ${l}`),
      ].join("\n"),
    )
    .join("\n\n");
}
