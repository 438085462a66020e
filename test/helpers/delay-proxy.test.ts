import assert from 'node:assert/strict';
import { once } from 'node:events';
import net from 'node:net';
import { after, before, test } from 'node:test';

import { type DelayProxy, startDelayProxy } from './delay-proxy.ts';

let echo: net.Server;
let echoPort: number;
before(async () => {
  echo = net.createServer((socket) => socket.pipe(socket));
  echo.listen(0, '127.0.0.1');
  await once(echo, 'listening');
  echoPort = (echo.address() as net.AddressInfo).port;
});
after(() => new Promise<void>((resolve) => echo.close(() => resolve())));

/** A client of the proxy that reads exactly `n` echoed bytes. */
async function connect(proxy: DelayProxy) {
  const socket = net.connect(proxy.port, proxy.host);
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  const waiters: { n: number; resolve: (b: Buffer) => void }[] = [];
  socket.on('data', (chunk: Buffer) => {
    received = Buffer.concat([received, chunk]);
    while (waiters[0] && received.length >= waiters[0].n) {
      const w = waiters.shift()!;
      w.resolve(received.subarray(0, w.n));
      received = received.subarray(w.n);
    }
  });
  return {
    socket,
    read: (n: number) => new Promise<Buffer>((resolve) => waiters.push({ n, resolve })),
  };
}

test('each direction is delayed: one request and its answer take two delays', async () => {
  const proxy = await startDelayProxy({ target: { host: '127.0.0.1', port: echoPort }, delayMs: 80 });
  try {
    const client = await connect(proxy);
    const started = performance.now();
    client.socket.write('ping');
    assert.equal((await client.read(4)).toString(), 'ping');
    const elapsed = performance.now() - started;
    assert.ok(elapsed >= 155, `a round trip took ${elapsed.toFixed(0)} ms, expected >= 160`);
    assert.ok(elapsed < 1000, `a round trip took ${elapsed.toFixed(0)} ms`);
    client.socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('turns: one per request waited for, one for a pipelined burst; bytes keep their order', async () => {
  const proxy = await startDelayProxy({ target: { host: '127.0.0.1', port: echoPort }, delayMs: 20 });
  try {
    const client = await connect(proxy);
    for (const word of ['a1', 'b2', 'c3']) {
      client.socket.write(word);
      assert.equal((await client.read(2)).toString(), word);
    }
    assert.equal(proxy.stats().turns, 3);
    // A burst written without reading in between: one turn, every byte back in order.
    const burst = Array.from({ length: 200 }, (_, i) => `<${i}>`).join('');
    for (let i = 0; i < burst.length; i += 7) client.socket.write(burst.slice(i, i + 7));
    assert.equal((await client.read(burst.length)).toString(), burst);
    const stats = proxy.stats();
    assert.equal(stats.turns, 4);
    assert.equal(stats.connections, 1);
    assert.equal(stats.bytesUp, 6 + burst.length);
    assert.equal(stats.bytesDown, 6 + burst.length);
    proxy.reset();
    assert.deepEqual(proxy.stats(), { turns: 0, connections: 0, bytesUp: 0, bytesDown: 0 });
    client.socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('a second connection counts its own turns', async () => {
  const proxy = await startDelayProxy({ target: { host: '127.0.0.1', port: echoPort }, delayMs: 0 });
  try {
    const [a, b] = [await connect(proxy), await connect(proxy)];
    a.socket.write('x');
    b.socket.write('y');
    assert.equal((await a.read(1)).toString(), 'x');
    assert.equal((await b.read(1)).toString(), 'y');
    assert.deepEqual([proxy.stats().turns, proxy.stats().connections], [2, 2]);
    a.socket.destroy();
    b.socket.destroy();
  } finally {
    await proxy.close();
  }
});

test('an unreachable target closes the client; a negative delay is refused', async () => {
  await assert.rejects(
    startDelayProxy({ target: { host: '127.0.0.1', port: echoPort }, delayMs: -1 }),
    /delayMs must be 0 or more/,
  );
  const spare = net.createServer();
  spare.listen(0, '127.0.0.1');
  await once(spare, 'listening');
  const deadPort = (spare.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => spare.close(() => resolve()));
  const proxy = await startDelayProxy({ target: { host: '127.0.0.1', port: deadPort }, delayMs: 10 });
  try {
    const client = await connect(proxy);
    client.socket.write('hello');
    await once(client.socket, 'close');
  } finally {
    await proxy.close();
  }
});
