/**
 * A TCP proxy on 127.0.0.1 that holds every chunk for a fixed delay in each direction (a slow
 * link: 50 ms each way = 100 ms per round trip) and counts round trips.
 *
 *   const proxy = await startDelayProxy({ target: { host: '127.0.0.1', port: 5432 }, delayMs: 50 });
 *   // connect a client to proxy.port; later: proxy.stats().turns
 *   await proxy.close();
 *
 * Round trips are counted as "turns", per connection: a turn starts each time the client sends
 * data after the server last spoke (or for the first time). A client that sends request after
 * request without reading the answers in between (pipelining, a COPY stream) makes one turn; a
 * client that waits for each answer makes one per request. So turns are the round trips the
 * client could not avoid waiting for, which is what a latency multiplies. Server messages the
 * client did not wait for (a notice during a COPY) make the count an upper bound. The TCP
 * handshake itself is not delayed; a connection's start-up messages are (and counted).
 */
import net from 'node:net';

export interface DelayProxyOptions {
  target: { host: string; port: number };
  /** Added to every chunk in each direction, in milliseconds (0 or more). */
  delayMs: number;
}

export interface DelayProxyStats {
  /** Client sends after the server had spoken (or first sends): round trips waited for. */
  turns: number;
  /** Connections accepted. */
  connections: number;
  /** Bytes client → server and server → client. */
  bytesUp: number;
  bytesDown: number;
}

export interface DelayProxy {
  host: string;
  port: number;
  stats(): DelayProxyStats;
  /** Zeroes the counters (open connections keep their direction state). */
  reset(): void;
  /** Stops listening and destroys every open connection. */
  close(): Promise<void>;
}

type Item = { due: number; chunk: Buffer } | { due: number; end: true };

/** Forwards what `write`/`end` receive to `to`, each item `delayMs` after it arrived, in order. */
function delayedPipe(to: net.Socket, delayMs: number) {
  const queue: Item[] = [];
  let timer: NodeJS.Timeout | undefined;
  const flush = () => {
    timer = undefined;
    const now = performance.now();
    while (queue.length > 0 && queue[0]!.due <= now) {
      const item = queue.shift()!;
      if ('end' in item) to.end();
      else if (!to.destroyed) to.write(item.chunk);
    }
    schedule();
  };
  const schedule = () => {
    if (timer || queue.length === 0) return;
    timer = setTimeout(flush, Math.max(0, queue[0]!.due - performance.now()));
  };
  return {
    push(chunk: Buffer) {
      queue.push({ due: performance.now() + delayMs, chunk });
      schedule();
    },
    end() {
      queue.push({ due: performance.now() + delayMs, end: true });
      schedule();
    },
    stop() {
      if (timer) clearTimeout(timer);
      queue.length = 0;
    },
  };
}

export async function startDelayProxy(options: DelayProxyOptions): Promise<DelayProxy> {
  const { delayMs, target } = options;
  if (!Number.isFinite(delayMs) || delayMs < 0) throw new Error(`delayMs must be 0 or more, got ${delayMs}`);
  const stats: DelayProxyStats = { turns: 0, connections: 0, bytesUp: 0, bytesDown: 0 };
  const open = new Set<net.Socket>();

  const server = net.createServer((client) => {
    stats.connections++;
    const upstream = net.connect(target.port, target.host);
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    open.add(client).add(upstream);
    const up = delayedPipe(upstream, delayMs);
    const down = delayedPipe(client, delayMs);
    let serverSpokeLast = true;
    client.on('data', (chunk: Buffer) => {
      if (serverSpokeLast) stats.turns++;
      serverSpokeLast = false;
      stats.bytesUp += chunk.length;
      up.push(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      serverSpokeLast = true;
      stats.bytesDown += chunk.length;
      down.push(chunk);
    });
    client.on('end', () => up.end());
    upstream.on('end', () => down.end());
    const teardown = () => {
      up.stop();
      down.stop();
      client.destroy();
      upstream.destroy();
      open.delete(client);
      open.delete(upstream);
    };
    // A reset or an unreachable target closes both sides; a clean end goes through the queues.
    client.on('error', teardown);
    upstream.on('error', teardown);
    client.on('close', () => open.delete(client));
    upstream.on('close', () => open.delete(upstream));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;
  return {
    host: '127.0.0.1',
    port,
    stats: () => ({ ...stats }),
    reset() {
      stats.turns = 0;
      stats.connections = 0;
      stats.bytesUp = 0;
      stats.bytesDown = 0;
    },
    async close() {
      for (const socket of open) socket.destroy();
      open.clear();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
