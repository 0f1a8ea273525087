// The limits a client adopts from a LoginResponse.
import { describe, expect, it } from "vitest";
import { Limits } from "../../generated/ts-proto/presence/v1/session.js";
import { SPEC_LIMITS, announcedLimits } from "../../src/protocol/index.js";

describe("announcedLimits", () => {
  it("takes the spec's limits when nothing was announced", () => {
    expect(announcedLimits(undefined)).toEqual(SPEC_LIMITS);
  });

  it("takes each announced limit, and the spec default for one an older server leaves at 0", () => {
    const announced = Limits.fromPartial({ ...SPEC_LIMITS, heartbeatTimeoutMs: 3000, maxQueryUsers: 0 });
    expect(announcedLimits(announced)).toEqual({ ...SPEC_LIMITS, heartbeatTimeoutMs: 3000 });
  });
});
