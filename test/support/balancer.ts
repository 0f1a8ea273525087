// A TCP load balancer on loopback for tests: each new connection goes to the
// next of the ports `targets()` names (round-robin), as a real one spreads a
// client's reconnections over a cluster's nodes.
import { connect, createServer, type AddressInfo, type Socket } from "node:net";

export interface Balancer {
  readonly port: number;
  close(): Promise<void>;
}

export async function startBalancer(targets: () => readonly number[]): Promise<Balancer> {
  const sockets = new Set<Socket>();
  let next = 0;
  const server = createServer((inbound) => {
    const ports = targets();
    const outbound = connect(ports[next++ % ports.length]!, "127.0.0.1");
    for (const socket of [inbound, outbound]) {
      sockets.add(socket);
      socket.on("close", () => sockets.delete(socket));
      socket.on("error", () => undefined);
    }
    inbound.pipe(outbound).pipe(inbound);
    inbound.on("close", () => outbound.destroy());
    outbound.on("close", () => inbound.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    port: (server.address() as AddressInfo).port,
    close: () => {
      for (const socket of sockets) socket.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
