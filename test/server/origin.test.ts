// The allowed-Origin check over a real WebSocket handshake.
import WebSocket from "ws";
import { afterEach, expect, it } from "vitest";
import type { PresenceServer } from "../../src/server/server.js";
import { startServer } from "../e2e/harness.js";

const servers: PresenceServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

/** The HTTP status of the handshake: 101 when the socket opened. */
function handshake(url: string, origin: string | undefined): Promise<number> {
  const socket = new WebSocket(url, origin === undefined ? {} : { origin });
  return new Promise((resolve, reject) => {
    socket.once("open", () => {
      socket.terminate();
      resolve(101);
    });
    socket.once("unexpected-response", (_request, response) => {
      socket.terminate();
      resolve(response.statusCode ?? 0);
    });
    socket.once("error", reject);
  });
}

it("refuses a browser page of another origin with 403, and lets listed origins and native clients in", async () => {
  const s = await startServer({ allowedOrigins: ["https://app.example.com"] });
  servers.push(s);
  expect(await handshake(s.url, "https://evil.example.com")).toBe(403);
  expect(await handshake(s.url, "https://app.example.com")).toBe(101);
  expect(await handshake(s.url, undefined)).toBe(101);
});

it("lets every origin in when no list is configured", async () => {
  const s = await startServer();
  servers.push(s);
  expect(await handshake(s.url, "https://anywhere.example")).toBe(101);
});
