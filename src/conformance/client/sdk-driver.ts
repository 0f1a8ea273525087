#!/usr/bin/env node
// The driver of this package's SDK (PresenceClient) for client conformance:
// the example every other SDK's driver follows (driver-protocol.ts,
// docs/conformance.md). Run it as
//   node --import tsx src/conformance/client/sdk-driver.ts
import { createInterface } from "node:readline";
import type { UserStatus } from "../../../generated/ts-proto/presence/v1/status.js";
import { PresenceClient, PresenceRequestError } from "../../client/index.js";
import type { DriverCommand, DriverEvent } from "./driver-protocol.js";

let client: PresenceClient | undefined;

function emit(event: DriverEvent): void {
  process.stdout.write(`${JSON.stringify(event)}\n`);
}

function toDriverStatuses(statuses: readonly UserStatus[]) {
  return statuses.map((s) => ({ userId: s.userId, statusType: s.statusType, customStatus: s.customStatus, version: s.version.toString() }));
}

function connected(): PresenceClient {
  if (!client) throw new Error("login first");
  return client;
}

async function perform(command: DriverCommand): Promise<unknown> {
  switch (command.command) {
    case "login": {
      client?.close();
      client = new PresenceClient({ url: command.url, userId: command.userId, token: command.token, deviceId: command.deviceId });
      client.onUserStatusChanged((statuses) => emit({ event: "statuses", statuses: toDriverStatuses(statuses) }));
      client.onStateChanged((state) => emit({ event: "state", state }));
      client.onError((error) => emit({ event: "error", code: error instanceof PresenceRequestError ? error.code : 0, message: error.message }));
      const login = await client.login();
      return { deviceId: login.deviceId };
    }
    case "setStatus":
      return { version: (await connected().setSelfStatus(command.customStatus)).version.toString() };
    case "query": {
      const { statuses, errors } = await connected().getUserStatus(command.userIds);
      return { statuses: toDriverStatuses(statuses), errors: errors.map((e) => ({ userId: e.userId, code: e.code })) };
    }
    case "subscribe": {
      const { statuses, evictedUserIds } = await connected().subscribeUserStatus(command.userIds);
      return { statuses: toDriverStatuses(statuses), evictedUserIds };
    }
    case "unsubscribe":
      return await connected().unsubscribeUserStatus(command.userIds);
    case "logout":
      await connected().logout();
      return {};
  }
}

createInterface({ input: process.stdin })
  .on("line", (line) => {
    if (line.trim() === "") return;
    let command: DriverCommand;
    try {
      command = JSON.parse(line) as DriverCommand;
    } catch {
      emit({ event: "error", code: 0, message: `not a command: ${line}` });
      return;
    }
    perform(command).then(
      (value) => emit({ event: "result", id: command.id, ok: true, value }),
      (error: unknown) => emit({ event: "result", id: command.id, ok: false, code: error instanceof PresenceRequestError ? error.code : 0, message: String(error) }),
    );
  })
  .on("close", () => {
    client?.close();
    process.exit(0);
  });

emit({ event: "ready" });
