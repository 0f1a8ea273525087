// What the kit knows of the server under test: its URLs, how to get tokens,
// and the run's bounds.
import type { TokenSource } from "./tokens.js";

export interface ServerTarget {
  /** A server with the premium plan and the feature switch on. */
  url: string;
  /** The same server configured with the feature switch off. */
  switchOffUrl?: string;
  /** The same server configured on the basic plan. */
  basicPlanUrl?: string;
  /** Pairs of users the server at `url` has as friends, with friend auto-notification on. */
  friends: [string, string][];
  tokens: TokenSource;
  /** Cases that would wait on the server's timers longer than this are SKIPPED. */
  maxWaitMs: number;
  /** How long the kit waits for an answer, a push or a close it expects. */
  answerTimeoutMs: number;
}
