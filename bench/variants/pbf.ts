// pbf 5, with code compiled from proto/ by pbf's compiler at bench time.
import path from "node:path";
import { pathToFileURL } from "node:url";
import { PbfReader, PbfWriter } from "pbf";
import { returningBytes, type Variant } from "./variant.js";

interface PbfCode {
  writeGetUserStatusResponse(message: unknown, pbf: PbfWriter): void;
  readGetUserStatusResponse(pbf: PbfReader): { statuses: unknown[] };
}

async function load(generatedDir: string): Promise<PbfCode> {
  return (await import(pathToFileURL(path.join(generatedDir, "pbf-presence.js")).href)) as PbfCode;
}

export const variant: Variant = {
  encode: async ({ dataset, generatedDir }) => {
    const code = await load(generatedDir);
    // pbf's objects use the .proto (snake_case) names; 64-bit values as numbers.
    const message = {
      statuses: dataset.response.statuses.map((s) => ({
        user_id: s.userId,
        status_type: s.statusType,
        custom_status: s.customStatus,
        online_devices: s.onlineDevices.map((d) => ({ device_id: d.deviceId, platform: d.platform })),
        version: Number(s.version),
        changed_at_ms: Number(s.changedAtMs),
        reason: s.reason,
        epoch: Number(s.epoch),
      })),
      errors: dataset.response.errors.map((e) => ({ user_id: e.userId, code: e.code, message: e.message })),
    };
    return returningBytes(() => {
      const pbf = new PbfWriter();
      code.writeGetUserStatusResponse(message, pbf);
      return pbf.finish();
    });
  },
  decode: async ({ reference, generatedDir }) => {
    const code = await load(generatedDir);
    return () => code.readGetUserStatusResponse(new PbfReader(reference));
  },
};
