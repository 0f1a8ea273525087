// The evidence of one case: every frame sent and received, closes and waits,
// stamped with the time since the case started. Bounded, so a case that
// provisions hundreds of users still yields a readable report.
import { toCanonicalJson } from "../codec/json.js";
import type { EvidenceEntry } from "./report/model.js";

const MAX_ENTRIES = 200;
const MAX_SUMMARY_CHARS = 600;

export class EvidenceLog {
  readonly entries: EvidenceEntry[] = [];
  omitted = 0;
  private readonly startedAt = performance.now();

  /** Milliseconds since the case started. */
  elapsedMs(): number {
    return Math.round(performance.now() - this.startedAt);
  }

  add(connection: string, direction: EvidenceEntry["direction"], summary: string): void {
    if (this.entries.length >= MAX_ENTRIES) {
      this.omitted++;
      return;
    }
    const shortened = summary.length > MAX_SUMMARY_CHARS ? `${summary.slice(0, MAX_SUMMARY_CHARS)}… (${summary.length} chars)` : summary;
    this.entries.push({ atMs: this.elapsedMs(), connection, direction, summary: shortened });
  }

  frame(connection: string, direction: "sent" | "received", bytes: Uint8Array): void {
    this.add(connection, direction, describeFrameBytes(bytes));
  }

  event(connection: string, what: string): void {
    this.add(connection, "event", what);
  }
}

/** Canonical JSON of a frame (login tokens hidden: reports get published), or its hex when it does not decode (garbage is evidence too). */
function describeFrameBytes(bytes: Uint8Array): string {
  try {
    return JSON.stringify(toCanonicalJson("Frame", bytes)).replace(/"token":"(?:[^"\\]|\\.)*"/g, '"token":"(hidden)"');
  } catch {
    return `${bytes.length} bytes that are not a Frame: ${hexPreview(bytes)}`;
  }
}

function hexPreview(bytes: Uint8Array): string {
  const shown = Buffer.from(bytes.subarray(0, 32)).toString("hex");
  return bytes.length > 32 ? `${shown}…` : shown;
}
