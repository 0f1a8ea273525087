// The protobufjs reflection codec, an entry of its own: it reads the .proto
// files from disk when it starts (Node only) and needs protobufjs, an optional
// peer dependency, so neither reaches a bundle of the root entry.
export { ReflectionCodec, packagedProtoDir, type ReflectJson } from "../codec/reflect.js";
