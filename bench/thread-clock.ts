// On-CPU time of the calling thread, from Linux's /proc/thread-self/schedstat
// (nanoseconds the thread ran). On this shared 2-core machine other
// engineers' test runs take cores away at random: wall time per call then
// varies 2-7x within one process, while the time the thread actually ran
// stays within a few percent. Helper threads (V8's concurrent compiler and
// parallel GC) are not counted: the figure is the JS thread's work, as a
// single-threaded caller sees it on an idle core.
import fs from "node:fs";

const SCHEDSTAT = "/proc/thread-self/schedstat";

let fd: number | undefined;
try {
  fd = fs.openSync(SCHEDSTAT, "r");
} catch {
  fd = undefined;
}
const text = Buffer.alloc(128);

/** Whether `threadCpuNanos` measures the thread (Linux) rather than falling back to wall time. */
export const measuresThreadCpu = fd !== undefined;

/** Nanoseconds this thread has run on a CPU (wall time where /proc is not available). */
export function threadCpuNanos(): number {
  if (fd === undefined) return Number(process.hrtime.bigint());
  const length = fs.readSync(fd, text, 0, text.length, 0);
  const end = text.indexOf(0x20);
  return Number(text.toString("latin1", 0, end < 0 || end > length ? length : end));
}
