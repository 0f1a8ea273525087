// How cluster mode calls Redis: a lost or refused link becomes the engine's
// StoreUnavailableError (answered TEMPORARILY_UNAVAILABLE with a retry-after),
// while an error Redis itself replied (a script bug, a wrong type) stays what
// it is (an internal error). Pipelines report errors per command; these
// helpers throw the first.
import { ReplyError } from "ioredis";
import { StoreUnavailableError } from "../engine/store.js";

/** What clients are told to wait before retrying while Redis cannot be reached. */
export const DEFAULT_RETRY_AFTER_MS = 1000;

export async function callRedis<T>(run: () => Promise<T>, retryAfterMs = DEFAULT_RETRY_AFTER_MS): Promise<T> {
  try {
    return await run();
  } catch (error) {
    if (error instanceof ReplyError) throw error;
    throw new StoreUnavailableError(`redis unreachable: ${error instanceof Error ? error.message : String(error)}`, retryAfterMs);
  }
}

export type PipelineReplies = [error: Error | null, result: unknown][] | null;

/** The reply of command `index` of a pipeline; throws its error. */
export function replyOf(replies: PipelineReplies, index: number): unknown {
  const [error, value] = replies?.[index] ?? [new Error("no reply"), undefined];
  if (error) throw error;
  return value;
}

/** Throws the first error of a pipeline's replies. */
export function checkReplies(replies: PipelineReplies): void {
  for (let i = 0; i < (replies?.length ?? 0); i++) replyOf(replies, i);
}
