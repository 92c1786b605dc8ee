// The local stand-in for the load balancer a multi-machine deployment puts in front of its
// Temporal frontends: each new connection goes to the next frontend that accepts it, so a
// client whose node died reconnects to a live one.
import net from 'node:net';

export interface Balancer {
  address: string;
  /** Connections handed to each backend so far. */
  counts(): Record<string, number>;
  close(): Promise<void>;
}

function connectFirst(backends: string[], start: number, onConnected: (socket: net.Socket, backend: string) => void, onFailed: () => void, attempt = 0): void {
  if (attempt >= backends.length) return onFailed();
  const backend = backends[(start + attempt) % backends.length];
  const [host, port] = backend.split(':');
  const socket = net.connect({ host, port: Number(port) });
  // A node that is gone refuses at once; a frozen one must not hold the client for long.
  socket.setTimeout(2_000);
  socket.once('timeout', () => socket.destroy(new Error('connect timeout')));
  socket.once('connect', () => {
    socket.setTimeout(0);
    socket.removeAllListeners('error');
    onConnected(socket, backend);
  });
  socket.once('error', () => connectFirst(backends, start, onConnected, onFailed, attempt + 1));
}

export function startBalancer(port: number, backends: string[], host = '127.0.0.1'): Promise<Balancer> {
  const counts: Record<string, number> = Object.fromEntries(backends.map((b) => [b, 0]));
  const open = new Set<net.Socket>();
  let next = 0;
  const server = net.createServer((client) => {
    open.add(client);
    client.once('close', () => open.delete(client));
    client.on('error', () => client.destroy());
    client.pause();
    connectFirst(
      backends,
      next++,
      (upstream, backend) => {
        counts[backend]++;
        open.add(upstream);
        upstream.once('close', () => {
          open.delete(upstream);
          client.destroy();
        });
        upstream.on('error', () => upstream.destroy());
        client.once('close', () => upstream.destroy());
        client.pipe(upstream);
        upstream.pipe(client);
        client.resume();
      },
      () => client.destroy(),
    );
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve({
        address: `${host}:${port}`,
        counts: () => ({ ...counts }),
        close: () =>
          new Promise<void>((done) => {
            for (const socket of open) socket.destroy();
            server.close(() => done());
          }),
      });
    });
  });
}
