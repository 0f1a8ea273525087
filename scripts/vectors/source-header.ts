// The `# key: value` header of a vector source (text format or hex): the
// lines at the top, before the first other line. The manifests are written
// from these headers, so every accessor names the file on a bad value.
import { isMessageName } from "../../src/codec/messages.js";
import type { ParserVerdict } from "./manifest.js";

export class SourceHeader {
  private readonly values = new Map<string, string>();

  constructor(
    readonly file: string,
    source: string,
  ) {
    for (const line of source.split("\n")) {
      const match = /^#\s*([a-z][a-z0-9-]*):\s*(.*?)\s*$/.exec(line);
      if (match) {
        this.values.set(match[1]!, match[2]!);
        continue;
      }
      if (line.startsWith("#") || line.trim() === "") continue;
      break;
    }
  }

  /** The vector's name: the file name without its `.txtpb` or `.hex`. */
  get stem(): string {
    return this.file.replace(/\.(txtpb|hex)$/, "");
  }

  optional(key: string): string | undefined {
    return this.values.get(key);
  }

  required(key: string): string {
    const value = this.values.get(key);
    if (value === undefined || value === "") throw new Error(`${this.file}: missing header "# ${key}: ..."`);
    return value;
  }

  boolean(key: string, fallback?: boolean): boolean {
    const value = this.values.get(key);
    if (value === undefined && fallback !== undefined) return fallback;
    if (value === "true") return true;
    if (value === "false") return false;
    throw new Error(`${this.file}: header "# ${key}:" must be true or false`);
  }

  /** `proto-message`, checked to be a message of presence.v1. */
  message(): string {
    const message = this.required("proto-message");
    if (!message.startsWith("presence.v1.") || !isMessageName(message.slice("presence.v1.".length))) {
      throw new Error(`${this.file}: ${message} is not a message of presence.v1`);
    }
    return message;
  }

  /** What an independent parser does with a negative vector, as the header claims it. */
  verdict(key: "protoc" | "buf"): ParserVerdict {
    const value = this.required(key);
    if (value !== "rejects" && value !== "accepts") throw new Error(`${this.file}: header "# ${key}:" must be rejects or accepts`);
    return value;
  }

  /** The keys that start with `prefix`, without it, with their values. */
  withPrefix(prefix: string): [string, string][] {
    return [...this.values].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => [key.slice(prefix.length), value]);
  }
}
