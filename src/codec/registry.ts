// The @bufbuild/protobuf descriptors of every message of presence.v1 (a
// conformant runtime), for the canonical JSON codec.
import { createRegistry, type DescFile } from "@bufbuild/protobuf";
import { file_presence_v1_frame } from "../../generated/es/presence/v1/frame_pb.js";

// Every file reachable from frame.proto, which imports (directly or not) every other file of the package.
function withDependencies(file: DescFile, seen = new Set<DescFile>()): Set<DescFile> {
  if (!seen.has(file)) {
    seen.add(file);
    for (const dependency of file.dependencies) withDependencies(dependency, seen);
  }
  return seen;
}

export const registry = createRegistry(...withDependencies(file_presence_v1_frame));

