// Replays a golden trace on a fresh engine, store and simulated clock, and
// reports every step whose effects differ from the expected lines.
import { InMemoryFriends, InMemoryUserDirectory, PresenceEngine, simulatedTime, type EngineEffect, type PresenceStore } from "../../src/engine/index.js";
import { renderEffect, type Trace, type TraceStep } from "./trace-format.js";

export interface StepMismatch {
  step: TraceStep;
  actual: string[];
}

/** Each step ends (every effect it causes delivered) before the next begins; the first failure the engine reports throws. */
export async function runTrace(trace: Trace, store: PresenceStore): Promise<StepMismatch[]> {
  const { clock, timers } = simulatedTime(0);
  const friends = new InMemoryFriends();
  for (const [a, b] of trace.friendships) friends.befriend(a, b);
  let effects: EngineEffect[] = [];
  const errors: unknown[] = [];
  const engine = new PresenceEngine({
    clock,
    timers,
    friends,
    directory: new InMemoryUserDirectory(trace.users),
    config: trace.config,
    sink: (effect) => effects.push(effect),
    store,
    onError: (error) => errors.push(error),
  });
  const settle = async () => {
    await engine.idle();
    if (errors.length > 0) throw errors[0];
  };
  const mismatches: StepMismatch[] = [];
  for (const step of trace.steps) {
    effects = [];
    await timers.advanceToSettled(step.atMs, settle);
    const { event } = step;
    if (event.kind === "connect") engine.connect(event.connectionId);
    else if (event.kind === "drop") void engine.disconnect(event.connectionId);
    else if (event.kind === "switch") void engine.updateSwitches(event.changes);
    else if (event.kind === "frame") void engine.receive(event.connectionId, event.frame);
    await settle();
    const actual = effects.map(renderEffect);
    if (byConnection(actual) !== byConnection(step.expected)) mismatches.push({ step, actual });
  }
  return mismatches;
}

/**
 * The lines grouped by connection, each connection's in their order: what a
 * transport can tell apart. Effects for different connections go to different
 * sockets, so the order between them is not part of the comparison.
 */
function byConnection(lines: readonly string[]): string {
  const connectionOf = (line: string) => (line.startsWith("close ") ? line.split(" ")[1]! : line.slice(0, line.indexOf("<")));
  const groups = new Map<string, string[]>();
  for (const line of lines) {
    const id = connectionOf(line);
    groups.set(id, [...(groups.get(id) ?? []), line]);
  }
  return [...groups].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, group]) => group.join("\n")).join("\n");
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
