// Request correlation: each request goes out with a fresh request id, and the
// frame that comes back with that id settles it: the answer the spec pairs
// with the request's kind, an Error, or anything else as UnexpectedResponseError.
import type { Frame } from "../../generated/ts-proto/presence/v1/frame.js";
import { RESPONSE_KIND, type RequestBody, type RequestKind, type ResponseValue } from "../protocol/index.js";
import { PresenceRequestError, RequestTimeoutError, UnexpectedResponseError } from "./errors.js";

type FrameBody = NonNullable<Frame["body"]>;

interface Pending {
  answer(frame: Frame): void;
  fail(error: Error): void;
  timer: ReturnType<typeof setTimeout>;
}

export class PendingRequests {
  private readonly pending = new Map<number, Pending>();
  private lastRequestId = 1;

  constructor(
    private readonly timeoutMs: number,
    /** Sends a frame; throws when it cannot. */
    private readonly transmit: (frame: Frame) => void,
  ) {}

  /**
   * Sends a request and resolves with the value of the answer its kind gets,
   * e.g. a Pong's for a Ping. Rejects with PresenceRequestError when the server
   * answers with an Error, and with RequestTimeoutError when it does not answer.
   */
  async send<B extends RequestBody>(body: B): Promise<ResponseValue<B["$case"]>> {
    return valueOf<B["$case"]>(body.$case, await this.exchange(body));
  }

  /** Settles the request `frame` answers. An answer to a request that already timed out is dropped. */
  settle(frame: Frame): void {
    const pending = this.pending.get(frame.requestId);
    if (!pending) return;
    this.pending.delete(frame.requestId);
    clearTimeout(pending.timer);
    pending.answer(frame);
  }

  /** Fails every request still waiting, e.g. when the connection is gone. */
  failAll(error: Error): void {
    for (const pending of this.pending.values()) {
      clearTimeout(pending.timer);
      pending.fail(error);
    }
    this.pending.clear();
  }

  private exchange(body: RequestBody): Promise<Frame> {
    const requestId = this.allocateRequestId();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(requestId);
        reject(new RequestTimeoutError(`${body.$case} got no answer within ${this.timeoutMs} ms`));
      }, this.timeoutMs);
      this.pending.set(requestId, { answer: resolve, fail: reject, timer });
      try {
        this.transmit({ requestId, body });
      } catch (error) {
        clearTimeout(timer);
        this.pending.delete(requestId);
        reject(error);
      }
    });
  }

  private allocateRequestId(): number {
    do {
      this.lastRequestId = this.lastRequestId >= 0xffffffff ? 1 : this.lastRequestId + 1;
    } while (this.pending.has(this.lastRequestId));
    return this.lastRequestId;
  }
}

// The answer that means success for each request kind (the spec's RESPONSE_KIND): its value, or undefined for any other body.
const SUCCESS: { [K in RequestKind]: (body: FrameBody) => ResponseValue<K> | undefined } = {
  loginRequest: (body) => (body.$case === RESPONSE_KIND.loginRequest ? body.value : undefined),
  logoutRequest: (body) => (body.$case === RESPONSE_KIND.logoutRequest ? body.value : undefined),
  ping: (body) => (body.$case === RESPONSE_KIND.ping ? body.value : undefined),
  setSelfStatusRequest: (body) => (body.$case === RESPONSE_KIND.setSelfStatusRequest ? body.value : undefined),
  getUserStatusRequest: (body) => (body.$case === RESPONSE_KIND.getUserStatusRequest ? body.value : undefined),
  subscribeUserStatusRequest: (body) => (body.$case === RESPONSE_KIND.subscribeUserStatusRequest ? body.value : undefined),
  unsubscribeUserStatusRequest: (body) => (body.$case === RESPONSE_KIND.unsubscribeUserStatusRequest ? body.value : undefined),
};

/** The value of the answer to a `kind` request; an Error answer is thrown as the request's failure. */
function valueOf<K extends RequestKind>(kind: K, { body }: Frame): ResponseValue<K> {
  if (body?.$case === "error") {
    const { code, message, retryAfterMs } = body.value;
    throw new PresenceRequestError(code, message, retryAfterMs, kind);
  }
  const value = body && SUCCESS[kind](body);
  if (value === undefined) throw new UnexpectedResponseError(`${kind} answered with ${body?.$case ?? "no body"}`);
  return value;
}
