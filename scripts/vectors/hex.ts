// The hex notation of vector sources and of test failure messages.

/** Bytes from a hex source: `#` starts a comment to the end of the line; whitespace is ignored. */
export function parseHex(source: string): Uint8Array {
  const digits = source
    .split("\n")
    .map((line) => line.replace(/#.*$/, ""))
    .join("")
    .replace(/\s+/g, "");
  if (!/^(?:[0-9a-fA-F]{2})*$/.test(digits)) throw new Error(`not an even number of hex digits: ${digits.slice(0, 40)}…`);
  return Uint8Array.from(digits.match(/../g) ?? [], (pair) => Number.parseInt(pair, 16));
}

export function toHex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}
