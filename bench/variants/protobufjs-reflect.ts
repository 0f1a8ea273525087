// protobufjs 8 reflection: protobufjs.load of proto/ at startup.
import { createRequire } from "node:module";
import path from "node:path";
import protobuf from "protobufjs";
import { asProtobufjsObject } from "./protobufjs-static.js";
import { returningBytes, type Variant } from "./variant.js";

async function loadType(): Promise<protobuf.Type> {
  const root = new protobuf.Root();
  const protoDir = path.resolve(import.meta.dirname, "../../proto");
  // protobufjs ships google/protobuf/descriptor.proto (imported by the spec's options).
  const includeDir = path.dirname(createRequire(import.meta.url).resolve("protobufjs/package.json"));
  root.resolvePath = (_origin, target) =>
    path.isAbsolute(target) ? target : path.join(target.startsWith("google/protobuf/") ? includeDir : protoDir, target);
  await root.load("presence/v1/operations.proto");
  return root.lookupType("presence.v1.GetUserStatusResponse");
}

export const variant: Variant = {
  encode: async ({ dataset }) => {
    const type = await loadType();
    const message = asProtobufjsObject(dataset) as { [key: string]: unknown };
    return returningBytes(() => type.encode(message).finish());
  },
  decode: async ({ reference }) => {
    const type = await loadType();
    return () => type.decode(reference) as unknown as { statuses: unknown[] };
  },
};
