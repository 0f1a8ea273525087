// A CPU profile of the server process over one step of the load (node:inspector
// in the server's own process), summed by function: where the server's time
// per notification goes.
import fs from "node:fs";
import { Session } from "node:inspector/promises";

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string };
  hitCount?: number;
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
}

export interface ProfileLine {
  function: string;
  percent: number;
}

export class StepProfiler {
  private readonly session = new Session();

  async start(): Promise<void> {
    this.session.connect();
    await this.session.post("Profiler.enable");
    await this.session.post("Profiler.start");
  }

  /** Stops, writes the profile to `file` (for Chrome DevTools), returns the top functions by own time. */
  async stop(file: string, top = 15): Promise<ProfileLine[]> {
    const { profile } = (await this.session.post("Profiler.stop")) as unknown as { profile: Profile };
    this.session.disconnect();
    fs.writeFileSync(file, JSON.stringify(profile));
    return summarize(profile, top);
  }
}

/** Own time by function, as a share of the busy time (idle samples left out). Lines are left out: tsx's output has none of the source's. */
export function summarize(profile: Profile, top: number): ProfileLine[] {
  const busy = profile.nodes.filter((node) => node.callFrame.functionName !== "(idle)");
  const total = busy.reduce((n, node) => n + (node.hitCount ?? 0), 0);
  const byFunction = new Map<string, number>();
  for (const node of busy) {
    const { functionName, url } = node.callFrame;
    const file = url.replace(/^.*\/(node_modules|src|bench)\//, "$1/");
    const key = `${functionName || "(anonymous)"} ${file}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + (node.hitCount ?? 0));
  }
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([fn, hits]) => ({ function: fn, percent: Math.round((1000 * hits) / Math.max(1, total)) / 10 }));
}
