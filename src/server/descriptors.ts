// How many file descriptors this process may hold: every socket is one, so
// this caps the connections a node (or a load generator) can have open.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";

/** The soft limit on open files (`ulimit -n`), or undefined where it cannot be read or is unlimited. */
export function descriptorLimit(): number | undefined {
  try {
    const line = /^Max open files\s+(\d+|unlimited)/m.exec(readFileSync("/proc/self/limits", "utf8"));
    if (line) return line[1] === "unlimited" ? undefined : Number(line[1]);
  } catch {
    // Not Linux: ask the shell.
  }
  const shell = spawnSync("sh", ["-c", "ulimit -n"], { encoding: "utf8" });
  const n = Number(shell.stdout.trim());
  return shell.status === 0 && Number.isInteger(n) && n > 0 ? n : undefined;
}
