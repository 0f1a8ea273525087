// Requests from the load orchestrator to its child processes (generators and
// the server) over the child_process IPC channel: each answered once, by id,
// within a deadline, so no phase of a run can wait forever.
import type { ChildProcess } from "node:child_process";

interface Request {
  id: number;
  command: string;
  args: unknown;
}
type Reply = { id: number; result: unknown } | { id: number; error: string };

export class RpcError extends Error {}

/** The orchestrator's side of one child. */
export class RpcClient {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  constructor(
    readonly child: ChildProcess,
    readonly name: string,
  ) {
    child.on("message", (message: Reply) => {
      const waiter = this.waiting.get(message.id);
      if (!waiter) return;
      this.waiting.delete(message.id);
      if ("error" in message) waiter.reject(new RpcError(`${name}: ${message.error}`));
      else waiter.resolve(message.result);
    });
    child.on("exit", (code, signal) => {
      for (const waiter of this.waiting.values()) waiter.reject(new RpcError(`${name} exited (${signal ?? code})`));
      this.waiting.clear();
    });
  }

  call<T>(command: string, args: unknown, timeoutMs: number): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(id);
        reject(new RpcError(`${this.name}: ${command} not answered within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(id, {
        resolve: (value) => {
          clearTimeout(timer);
          resolve(value as T);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      });
      this.child.send({ id, command, args } satisfies Request);
    });
  }
}

/** The child's side: answers each request with its handler's result. */
export function serveRpc(handlers: Record<string, (args: never) => unknown>): void {
  process.on("message", (request: Request) => {
    const handler = handlers[request.command];
    const reply = (message: Reply) => process.send?.(message);
    if (!handler) {
      reply({ id: request.id, error: `unknown command ${request.command}` });
      return;
    }
    Promise.resolve()
      .then(() => handler(request.args as never))
      .then(
        (result) => reply({ id: request.id, result: result ?? null }),
        (error: unknown) => reply({ id: request.id, error: error instanceof Error ? error.message : String(error) }),
      );
  });
}

/** Microseconds on a clock the processes of one machine share (wall clock origin, monotonic since). */
export function nowUs(): number {
  return Math.round((performance.timeOrigin + performance.now()) * 1000);
}

/** A process's CPU time so far, user + system, in µs. */
export function cpuUs(): number {
  const { user, system } = process.cpuUsage();
  return user + system;
}

/** A process's user CPU time so far, in µs: its own code without the system calls (the kernel's TCP work is system time). */
export function userCpuUs(): number {
  return process.cpuUsage().user;
}
