// What each admin endpoint does: validate the whole input first, then apply
// it, so a refused request changes nothing.
import { z } from "zod";
import { ErrorCode, UserError } from "../../generated/ts-proto/presence/v1/errors.js";
import { UserStatus } from "../../generated/ts-proto/presence/v1/status.js";
import type { FriendsRegistry, PresenceEngine } from "../engine/index.js";
import { applyHeartbeatRule, appSchema } from "./settings-schema.js";
import { AdminHttpError, parseBody } from "./http.js";

export interface AdminContext {
  engine: PresenceEngine;
  /** The server's friends source, which the admin API imports into. */
  friends: FriendsRegistry;
}

/** Most friend pairs in one request. */
export const MAX_FRIEND_PAIRS = 10_000;

const utf8Bytes = (value: string) => Buffer.byteLength(value, "utf8");

function userIdSchema(engine: PresenceEngine) {
  const max = engine.settings.limits.maxUserIdBytes;
  return z
    .string()
    .min(1)
    .refine((id) => utf8Bytes(id) <= max, `a user id has at most ${max} bytes of UTF-8`);
}

export function settingsOf(engine: PresenceEngine) {
  const { plan, featureEnabled, friendAutoNotify, limits } = engine.settings;
  return { plan, featureEnabled, friendAutoNotify, limits: { ...limits } };
}

export async function changeSettings({ engine }: AdminContext, body: unknown) {
  const { limits: limitChanges = {}, ...switches } = parseBody(appSchema, body);
  if (limitChanges.maxFrameBytes !== undefined && limitChanges.maxFrameBytes !== engine.settings.limits.maxFrameBytes) {
    // The WebSocket layer's message bound is derived from it when the server starts.
    throw new AdminHttpError(400, "invalid_field", "fixed while the server runs: change it in the configuration and restart", "limits.maxFrameBytes");
  }
  const ruled = applyHeartbeatRule(limitChanges, engine.settings.limits);
  if ("problem" in ruled) throw new AdminHttpError(400, "invalid_field", ruled.problem.message, `limits.${ruled.problem.field}`);
  await engine.updateLimits(ruled.limits);
  await engine.updateSwitches(switches);
  return settingsOf(engine);
}

export async function counts({ engine }: AdminContext) {
  return { ...engine.counts(), subscriptions: (await engine.subscriptionCount()) ?? null };
}

/** The source system's `query_online_status`: statuses of the users known, one error per user that is not. */
export async function queryStatuses({ engine }: AdminContext, body: unknown) {
  const max = engine.settings.limits.maxQueryUsers;
  const { userIds } = parseBody(z.strictObject({ userIds: z.array(z.string()).min(1).max(max) }), body);
  const valid = userIdSchema(engine);
  const distinct = [...new Set(userIds)];
  const errors: UserError[] = [];
  const wellFormed = distinct.filter((userId) => {
    const checked = valid.safeParse(userId);
    if (!checked.success) errors.push({ userId, code: ErrorCode.ERROR_CODE_INVALID_PARAMETERS, message: checked.error.issues[0]!.message });
    return checked.success;
  });
  const { statuses, unknown } = await engine.lookup(wellFormed);
  for (const userId of unknown) errors.push({ userId, code: ErrorCode.ERROR_CODE_ACCOUNT_NOT_FOUND, message: "account not found" });
  return { statuses: statuses.map((s) => UserStatus.toJSON(s)), errors: errors.map((e) => UserError.toJSON(e)) };
}

function friendPairs(engine: PresenceEngine) {
  const userId = userIdSchema(engine);
  const pair = z.tuple([userId, userId]).refine(([a, b]) => a !== b, "a user cannot be their own friend");
  return z.strictObject({ pairs: z.array(pair).max(MAX_FRIEND_PAIRS) });
}

export async function importFriends({ engine, friends }: AdminContext, body: unknown) {
  const { pairs } = parseBody(friendPairs(engine), body);
  await friends.befriendAll(pairs);
  return { imported: pairs.length };
}

export async function replaceFriends({ engine, friends }: AdminContext, body: unknown) {
  const { pairs } = parseBody(friendPairs(engine), body);
  await friends.replaceAll(pairs);
  return { imported: pairs.length };
}

export async function removeFriends({ engine, friends }: AdminContext, body: unknown) {
  const { pairs } = parseBody(friendPairs(engine), body);
  await friends.unfriendAll(pairs);
  return { removed: pairs.length };
}

export async function friendsOf({ engine, friends }: AdminContext, userId: string) {
  const id = parseBody(userIdSchema(engine), userId, "userId");
  return { userId: id, friends: [...(await friends.friendsOf(id))].sort() };
}

export async function kick({ engine }: AdminContext, userId: string, body: unknown) {
  const id = parseBody(userIdSchema(engine), userId, "userId");
  const { deviceId } = parseBody(z.strictObject({ deviceId: z.string().min(1).optional() }), body);
  return { userId: id, kicked: await engine.kick(id, deviceId) };
}
