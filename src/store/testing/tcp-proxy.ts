import { createServer, connect, type Server, type Socket } from 'node:net';

/**
 * A TCP relay in front of a real server, for outage tests: `stop()` is the server becoming
 * unreachable (listener closed, every open connection cut), `start()` brings it back on the
 * same port. The fault is real: the store's driver sees resets and refused connections.
 */
export interface TcpProxy {
  readonly port: number;
  stop(): Promise<void>;
  start(): Promise<void>;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1'): Promise<TcpProxy> {
  const sockets = new Set<Socket>();
  let server: Server | undefined;
  let port = 0;

  const listen = async (): Promise<void> => {
    const srv = createServer((client) => {
      const upstream = connect(targetPort, targetHost);
      for (const s of [client, upstream]) {
        sockets.add(s);
        s.on('close', () => sockets.delete(s));
        s.on('error', () => {
          client.destroy();
          upstream.destroy();
        });
      }
      client.pipe(upstream);
      upstream.pipe(client);
    });
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(port, '127.0.0.1', () => resolve());
    });
    port = (srv.address() as { port: number }).port;
    server = srv;
  };

  await listen();
  return {
    get port() {
      return port;
    },
    async stop() {
      const srv = server;
      server = undefined;
      for (const s of sockets) s.destroy();
      if (srv !== undefined) await new Promise<void>((r) => srv.close(() => r()));
    },
    start: listen,
  };
}
