// The browser's word that the network is back: the `online` event of the
// global scope (a window or a worker). Node has no such event; watching it
// there does nothing.

/** Calls `listener` on each `online` event; returns a function that stops watching. */
export function watchNetworkOnline(listener: () => void): () => void {
  // DOM typings declare these globals; at run time Node has neither.
  if (typeof globalThis.addEventListener !== "function" || typeof globalThis.removeEventListener !== "function") return () => undefined;
  globalThis.addEventListener("online", listener);
  return () => globalThis.removeEventListener("online", listener);
}
