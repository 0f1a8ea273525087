// What the engine tells the transport, and how: each event's effects are held
// until the event ends (a transition retried or failed leaves nothing
// half-said), then handed to the sink in the order the transport must apply
// them, never to a connection the transport no longer holds.
import { ErrorCode } from "../../generated/ts-proto/presence/v1/errors.js";
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { errorFrame } from "../protocol/error-handling.js";
import type { Change } from "./fan-out.js";
import { StoreUnavailableError, type ConnectionId } from "./store.js";

/** What the transport must do. Effects may share a frame (a change's receivers do): never change one. */
export type EngineEffect =
  | { type: "send"; connectionId: ConnectionId; frame: Frame }
  /** Close the connection. `code` says why; ERROR_CODE_UNSPECIFIED is a normal close after a logout. */
  | { type: "close"; connectionId: ConnectionId; code: ErrorCode };

/** Receives each event's effects when the event ends, in the order the transport must apply them. */
export type EffectSink = (effect: EngineEffect) => void;

/** One event's effects and the changes it committed, to notify when it ends. */
export class EventScope {
  readonly effects: EngineEffect[] = [];
  readonly changes = new Map<string, Change>();
  private pending: { connectionId: ConnectionId; requestId: number } | undefined;

  /** The event answers this request; until it does, a failure answers it instead. */
  answers(connectionId: ConnectionId, requestId: number): void {
    this.pending = { connectionId, requestId };
  }

  send(connectionId: ConnectionId, frame: Frame): void {
    if (this.pending?.connectionId === connectionId && this.pending.requestId === frame.requestId) this.pending = undefined;
    this.effects.push({ type: "send", connectionId, frame });
  }

  close(connectionId: ConnectionId, code: ErrorCode): void {
    this.effects.push({ type: "close", connectionId, code });
  }

  /**
   * After a failure, answers the request still unanswered; the connection
   * stays. A store that cannot be reached says when to retry
   * (TEMPORARILY_UNAVAILABLE); anything else is INTERNAL_ERROR, retried with
   * backoff.
   */
  failed(error: unknown): void {
    if (!this.pending) return;
    const { connectionId, requestId } = this.pending;
    const frame =
      error instanceof StoreUnavailableError
        ? errorFrame(requestId, ErrorCode.ERROR_CODE_TEMPORARILY_UNAVAILABLE, "presence store unreachable", error.retryAfterMs)
        : errorFrame(requestId, ErrorCode.ERROR_CODE_INTERNAL_ERROR, "presence store failed");
    this.send(connectionId, frame);
  }
}

/** Hands effects to the sink, except those for connections the transport no longer holds. */
export class EffectDelivery {
  private readonly open = new Set<ConnectionId>();

  constructor(
    private readonly sink: EffectSink,
    private readonly onError: (error: unknown) => void,
  ) {}

  opened(connectionId: ConnectionId): void {
    this.open.add(connectionId);
  }

  /** The transport reported the connection gone: nothing more goes to it. */
  gone(connectionId: ConnectionId): void {
    this.open.delete(connectionId);
  }

  deliver(effects: readonly EngineEffect[]): void {
    for (const effect of effects) {
      if (!this.open.has(effect.connectionId)) continue;
      if (effect.type === "close") this.open.delete(effect.connectionId);
      try {
        this.sink(effect);
      } catch (error) {
        this.onError(error);
      }
    }
  }
}
