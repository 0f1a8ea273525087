// The one seeded dataset every variant encodes and decodes: a
// GetUserStatusResponse for a 500-user query.
import type { UserError } from "../generated/ts-proto/presence/v1/errors.js";
import type { GetUserStatusResponse } from "../generated/ts-proto/presence/v1/operations.js";
import type { Device, UserStatus } from "../generated/ts-proto/presence/v1/status.js";
import { seededRandom } from "../scripts/seeded-random.js";

export const DATASET_SEED = 20250701;
export const USERS = 500;
export const USER_ERRORS = 6;

const ASCII_STATUSES = ["in a meeting", "listening to music", "on vacation until Monday", "busy", "working from home", "at lunch", "driving"];
const CJK_STATUSES = ["在开会", "稍后回复", "出差中，周一回来", "会議中です", "휴가 중"];
const EMOJI_STATUSES = ["🎧 focus", "🌴", "☕ break", "🏃‍♀️ running", "🎉🎉 launch day"];
const LONG_STATUS = "Travelling across three time zones this week, replies may be slow; urgent: call the office"; // 90 bytes

// Strings as a server has them: decoded from the wire or a database, so flat
// (a template literal would leave some as ConsStrings, slower to read for everyone).
const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder();
const flat = (text: string): string => utf8Decoder.decode(utf8Encoder.encode(text));

export interface Dataset {
  response: GetUserStatusResponse;
  userIds: string[];
  description: Record<string, number | string>;
}

export function makeDataset(seed = DATASET_SEED): Dataset {
  const next = seededRandom(seed);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!;
  const statuses: UserStatus[] = [];
  let withCustom = 0;
  for (let i = 0; i < USERS; i++) {
    const userId = flat(`u${(10_000_000 + Math.floor(next() * 89_999_999)).toString(36)}_${i}`);
    const roll = next();
    const statusType = roll < 0.6 ? 1 : roll < 0.85 ? 2 : 3;
    const online = statusType === 1;
    const kind = next();
    // Offline users have their custom status cleared by the server.
    const customStatus = !online || kind < 0.2 ? "" : kind < 0.55 ? pick(ASCII_STATUSES) : kind < 0.75 ? pick(CJK_STATUSES) : kind < 0.9 ? pick(EMOJI_STATUSES) : LONG_STATUS;
    if (customStatus !== "") withCustom++;
    const devices: Device[] = [];
    if (online) {
      const count = 1 + Math.floor(next() * 3);
      for (let d = 0; d < count; d++) {
        devices.push({ deviceId: flat(`dev-${Math.floor(next() * 0xffffff).toString(16)}`), platform: 1 + Math.floor(next() * 9), _unknownFields: {} });
      }
    }
    statuses.push({
      userId,
      statusType,
      customStatus: flat(customStatus),
      onlineDevices: devices,
      version: BigInt(1 + Math.floor(next() * 200_000)),
      changedAtMs: BigInt(1_750_000_000_000 + Math.floor(next() * 5_000_000_000)),
      reason: online ? pick([1, 5, 6]) : pick([2, 3, 4]),
      // A server announces the start of its state's generation (its start time by default).
      epoch: 1_764_633_600_000n,
      _unknownFields: {},
    });
  }
  const errors: UserError[] = Array.from({ length: USER_ERRORS }, (_, i) => ({
    userId: flat(`ghost_${i}`),
    code: 70107,
    message: "account not found",
    _unknownFields: {},
  }));
  return {
    response: { statuses, errors, _unknownFields: {} },
    userIds: statuses.map((s) => s.userId),
    description: {
      message: "presence.v1.GetUserStatusResponse",
      seed,
      statuses: USERS,
      user_errors: USER_ERRORS,
      online: statuses.filter((s) => s.statusType === 1).length,
      devices: statuses.reduce((sum, s) => sum + s.onlineDevices.length, 0),
      custom_statuses: withCustom,
    },
  };
}
