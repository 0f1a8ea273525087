// Names the generators derive from descriptors, shared so that the TypeScript
// tables and the generated docs spell them alike.
import type { DescEnumValue } from "@bufbuild/protobuf";

/** An enum value's name without its enum's prefix, in kebab case: CLIENT_ACTION_RETRY_AFTER -> "retry-after". */
export function enumValueSlug(value: DescEnumValue): string {
  return value.localName.toLowerCase().replaceAll("_", "-");
}
