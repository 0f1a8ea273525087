// Runs one case's script and turns how it ended into a verdict: a
// CheckFailure is a FAIL with its message, a CaseSkipped a SKIPPED, a hang past
// the time limit a FAIL, anything else a FAIL that names the unexpected error.
import { CaseSkipped, CheckFailure } from "./errors.js";
import type { Verdict } from "./report/model.js";

export async function judge(script: () => Promise<void>, limitMs: number): Promise<{ verdict: Verdict; reason?: string }> {
  let hung: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      script(),
      new Promise<never>((_, reject) => {
        hung = setTimeout(() => reject(new CheckFailure(`the case did not finish within ${formatSeconds(limitMs)}`)), limitMs);
      }),
    ]);
    return { verdict: "PASS" };
  } catch (error) {
    if (error instanceof CaseSkipped) return { verdict: "SKIPPED", reason: error.message };
    if (error instanceof CheckFailure) return { verdict: "FAIL", reason: error.message };
    return { verdict: "FAIL", reason: `the kit met an unexpected error: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}` };
  } finally {
    clearTimeout(hung);
  }
}

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(ms < 10_000 ? 1 : 0)} s`;
}
