// The allowed-Origin check of the WebSocket upgrade. Browsers send the page's
// origin with every WebSocket handshake and let any page connect anywhere, so
// without this check any site a user visits could open a connection with a
// token it obtained. Native clients send no Origin and are not concerned.

/** Whether a handshake from `origin` may proceed; `allowed` undefined allows every origin. */
export function originAllowed(allowed: readonly string[] | undefined, origin: string | undefined): boolean {
  return allowed === undefined || origin === undefined || allowed.includes(origin);
}
