// Load shedding: when the event loop runs late past a bound, the node is
// taking in more than it can do. It then refuses the work a client can put
// off (new logins and 500-user queries) with ERROR_CODE_TEMPORARILY_UNAVAILABLE
// and a retry hint, so heartbeats, changes and notifications of the sessions
// it holds keep their time instead of queuing behind the newcomers.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { errorFrame } from "../protocol/index.js";

const SAMPLE_MS = 50;
/** Shedding ends once the loop has kept time this long; it is also the retry hint. */
const RECOVERY_MS = 1000;

export class LoadShedder {
  private sheddingUntilMs = 0;
  private readonly timer: NodeJS.Timeout;

  /** `boundMs`: the event-loop lag past which the node sheds. */
  constructor(readonly boundMs: number) {
    let expected = performance.now() + SAMPLE_MS;
    this.timer = setInterval(() => {
      const now = performance.now();
      // A sample that runs late by more than half the bound keeps the node shedding.
      if (now - expected > boundMs) this.sheddingUntilMs = now + RECOVERY_MS;
      else if (now - expected > boundMs / 2 && this.shedding) this.sheddingUntilMs = now + RECOVERY_MS;
      expected = now + SAMPLE_MS;
    }, SAMPLE_MS);
    this.timer.unref();
  }

  get shedding(): boolean {
    return performance.now() < this.sheddingUntilMs;
  }

  /**
   * The refusal of `frame` while shedding: a login or a query (with a request
   * id; the engine refuses the rest); undefined when the frame goes on.
   */
  refusal(frame: Frame): Frame | undefined {
    const kind = frame.body?.$case;
    if (frame.requestId === 0 || (kind !== "loginRequest" && kind !== "getUserStatusRequest") || !this.shedding) return undefined;
    const retryAfterMs = Math.ceil(this.sheddingUntilMs - performance.now());
    return errorFrame(frame.requestId, ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE, "node overloaded", retryAfterMs);
  }

  stop(): void {
    clearInterval(this.timer);
  }
}
