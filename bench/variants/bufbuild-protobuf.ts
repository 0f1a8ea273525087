// @bufbuild/protobuf 2: generated/es schemas with toBinary / fromBinary.
import { create, fromBinary, toBinary } from "@bufbuild/protobuf";
import { GetUserStatusResponseSchema } from "../../generated/es/presence/v1/operations_pb.js";
import { returningBytes, type Variant } from "./variant.js";

export const variant: Variant = {
  encode: ({ dataset }) => {
    const message = create(GetUserStatusResponseSchema, {
      statuses: dataset.response.statuses.map((s) => ({
        userId: s.userId,
        statusType: s.statusType as number,
        customStatus: s.customStatus,
        onlineDevices: s.onlineDevices.map((d) => ({ deviceId: d.deviceId, platform: d.platform as number })),
        version: s.version,
        changedAtMs: s.changedAtMs,
        reason: s.reason as number,
        epoch: s.epoch,
      })),
      errors: dataset.response.errors.map((e) => ({ userId: e.userId, code: e.code as number, message: e.message })),
    });
    return returningBytes(() => toBinary(GetUserStatusResponseSchema, message));
  },
  decode: ({ reference }) => () => fromBinary(GetUserStatusResponseSchema, reference),
};
