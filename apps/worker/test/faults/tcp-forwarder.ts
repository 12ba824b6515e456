import { connect, createServer, type Server, type Socket } from "node:net";

export interface TcpForwarder {
  host: string;
  port: number;
  close(): Promise<void>;
}

/**
 * Listens on host:port (0: any free port) and pipes every connection to target. It lets
 * processes in a network namespace reach a service that listens on the machine's loopback
 * only (the shared PostgreSQL), without reconfiguring that service.
 */
export async function startTcpForwarder(
  host: string,
  target: { host: string; port: number },
): Promise<TcpForwarder> {
  const sockets = new Set<Socket>();
  const track = (socket: Socket) => {
    sockets.add(socket);
    socket.once("close", () => sockets.delete(socket));
  };
  const server: Server = createServer((inbound) => {
    const outbound = connect(target.port, target.host);
    track(inbound);
    track(outbound);
    inbound.setNoDelay(true);
    outbound.setNoDelay(true);
    // Either side's error or end closes both: a half-dead pair would hang a pooled client.
    inbound.on("error", () => outbound.destroy());
    outbound.on("error", () => inbound.destroy());
    inbound.pipe(outbound);
    outbound.pipe(inbound);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
