/** Interop with the real ws package over loopback, both directions. */
import { describe, expect, test } from 'vitest';
import { connect, WebSocket } from '../../src/server/index.js';
import { SIZES, WS, bytes, cleanupsAfterEach, closeServer, echoServer, echoServerUntil, listen, next, text, wsServer } from './helpers.js';

const cleanups = cleanupsAfterEach();

async function wsEchoPeer() {
  const s = await echoServerUntil(cleanups);
  const client = new WS(s.url);
  await next(client, 'open');
  cleanups.push(() => client.terminate());
  return { ...s, client };
}

async function ourClientToWs() {
  const s = await wsServer();
  cleanups.push(() => closeServer(s.server));
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const accepted = next(s.server, 'connection') as Promise<[any]>;
  const client = await connect(s.url);
  cleanups.push(() => client.terminate());
  const [peer] = await accepted;
  return { ...s, client, peer };
}

/**
 * Sends a `size`-byte text message and then a `size`-byte binary one from `client`, whose peer echoes, and expects
 * each back whole and of its kind.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
async function expectEchoes(client: { send(data: string | Uint8Array): void; once(event: string, f: (...args: any[]) => void): unknown }, size: number) {
  const message = text(size);
  client.send(message);
  const [data, isBinary] = await next(client, 'message');
  expect(isBinary).toBe(false);
  expect(data.toString()).toBe(message);
  const payload = bytes(size);
  client.send(payload);
  const [echoed, binary] = await next(client, 'message');
  expect(binary).toBe(true);
  expect(Buffer.compare(echoed, payload)).toBe(0);
}

describe('ws client → wsframe server', () => {
  test.each(SIZES)('echoes %i-byte text and binary messages', async (size) => {
    const { client } = await wsEchoPeer();
    await expectEchoes(client, size);
  });

  test('assembles fragmented messages, in order with other messages', async () => {
    const { client } = await wsEchoPeer();
    const received: string[] = [];
    const done = new Promise<void>((resolve) => client.on('message', (data: Buffer) => received.push(data.toString()) === 3 && resolve()));
    client.send('one');
    client.send('fr', { fin: false });
    client.ping('p');
    client.send('ag', { fin: false });
    client.send('mented', { fin: true });
    client.send(bytes(70000), { binary: true, fin: false });
    client.send(bytes(70000, 2), { binary: true, fin: true });
    await done;
    expect(received.slice(0, 2)).toEqual(['one', 'fragmented']);
  });

  test('many messages in one read all arrive, in order', async () => {
    const { client } = await wsEchoPeer();
    const count = 5000;
    let n = 0;
    let ordered = true;
    const done = new Promise<void>((resolve) =>
      client.on('message', (data: Buffer) => {
        if (data.toString() !== String(n)) ordered = false;
        if (++n === count) resolve();
      }),
    );
    for (let i = 0; i < count; i++) client.send(String(i));
    await done;
    expect(ordered).toBe(true);
  });

  test('answers pings with pongs carrying the same data, and emits ping', async () => {
    const { server, client } = await wsEchoPeer();
    const [socket] = server.clients;
    const serverPing = next(socket, 'ping');
    client.ping(Buffer.from('hello'));
    const [data] = await next(client, 'pong');
    expect(data.toString()).toBe('hello');
    expect((await serverPing)[0].toString()).toBe('hello');
  });

  test('server ping → ws pong event on the server', async () => {
    const { server, client } = await wsEchoPeer();
    const [socket] = server.clients;
    const clientPing = next(client, 'ping');
    const pong = next(socket, 'pong');
    socket.ping('abc');
    expect((await clientPing)[0].toString()).toBe('abc');
    expect((await pong)[0].toString()).toBe('abc');
  });

  test('client-initiated close: code and reason reach the server, both see a clean close', async () => {
    const { server, client } = await wsEchoPeer();
    const [socket] = server.clients;
    const serverClose = next(socket, 'close');
    const clientClose = next(client, 'close');
    client.close(4001, 'bye now');
    const [code, reason] = await serverClose;
    expect(code).toBe(4001);
    expect(reason.toString()).toBe('bye now');
    const [clientCode] = await clientClose;
    expect(clientCode).toBe(4001);
    expect(socket.readyState).toBe(WebSocket.CLOSED);
  });

  test('server-initiated close reaches the client; the server ends TCP', async () => {
    const { server, client } = await wsEchoPeer();
    const [socket] = server.clients;
    const clientClose = next(client, 'close');
    const serverClose = next(socket, 'close');
    socket.close(1000, 'done');
    expect(socket.readyState).toBe(WebSocket.CLOSING);
    const [code, reason] = await clientClose;
    expect(code).toBe(1000);
    expect(reason.toString()).toBe('done');
    expect((await serverClose)[0]).toBe(1000);
  });

  test('close without a status code is reported as 1005', async () => {
    const { server, client } = await wsEchoPeer();
    const [socket] = server.clients;
    const serverClose = next(socket, 'close');
    client.close();
    expect((await serverClose)[0]).toBe(1005);
    expect((await next(client, 'close'))[0]).toBe(1005);
  });

  test('terminate and abrupt disconnects give 1006 and leave other connections alone', async () => {
    const { server, client, url } = await wsEchoPeer();
    const other = new WS(url);
    await next(other, 'open');
    cleanups.push(() => other.terminate());
    const [first] = server.clients;
    const serverClose = next(first, 'close');
    client._socket.destroy();
    expect((await serverClose)[0]).toBe(1006);
    other.send('still here');
    expect((await next(other, 'message'))[0].toString()).toBe('still here');
    const [second] = server.clients;
    const clientClose = next(other, 'close');
    second.terminate();
    expect((await clientClose)[0]).toBe(1006);
  });

  test('a message over maxPayload closes with 1009; other connections continue', async () => {
    const s = await echoServerUntil(cleanups, { maxPayload: 1000 });
    const big = new WS(s.url);
    const small = new WS(s.url);
    await Promise.all([next(big, 'open'), next(small, 'open')]);
    cleanups.push(() => big.terminate(), () => small.terminate());
    big.send(bytes(1001));
    expect((await next(big, 'close'))[0]).toBe(1009);
    small.send(bytes(1000));
    expect((await next(small, 'message'))[0].length).toBe(1000);
  });

  test('server.close() sends 1001 to every client and then closes', async () => {
    const s = await echoServer();
    const clients = [new WS(s.url), new WS(s.url), new WS(s.url)];
    await Promise.all(clients.map((c) => next(c, 'open')));
    const closes = clients.map((c) => next(c, 'close'));
    await closeServer(s.server);
    for (const [code] of await Promise.all(closes)) expect(code).toBe(1001);
    expect(s.server.clients.size).toBe(0);
  });

  test('broadcast sends one message to every open client', async () => {
    const s = await listen();
    cleanups.push(() => closeServer(s.server));
    const clients = [new WS(s.url), new WS(s.url), new WS(s.url)];
    cleanups.push(() => clients.forEach((c) => c.terminate()));
    await Promise.all(clients.map((c) => next(c, 'open')));
    while (s.server.clients.size < 3) await new Promise((r) => setTimeout(r, 5));
    const got = clients.map((c) => next(c, 'message'));
    s.server.broadcast('news');
    for (const [data, isBinary] of await Promise.all(got)) {
      expect(data.toString()).toBe('news');
      expect(isBinary).toBe(false);
    }
    // A large one: its payload is written as it is, beside the shared header.
    const large = Buffer.alloc(200_000, 0x5a);
    const gotLarge = clients.map((c) => next(c, 'message'));
    s.server.broadcast(large);
    for (const [data, isBinary] of await Promise.all(gotLarge)) {
      expect(Buffer.compare(data, large)).toBe(0);
      expect(isBinary).toBe(true);
    }
  });

  test('subprotocol: the first offered by default, handleProtocols can choose or refuse', async () => {
    const s = await listen({ handleProtocols: (protocols) => (protocols.has('b') ? 'b' : false) });
    cleanups.push(() => closeServer(s.server));
    const chosen = new WS(s.url, ['a', 'b']);
    await next(chosen, 'open');
    expect(chosen.protocol).toBe('b');
    chosen.terminate();
    const d = await listen();
    cleanups.push(() => closeServer(d.server));
    const first = new WS(d.url, ['x', 'y']);
    await next(first, 'open');
    expect(first.protocol).toBe('x');
    first.terminate();
  });

  test('backpressure: a slow reader makes the server stop reading, and everything arrives later', async () => {
    const s = await echoServerUntil(cleanups, { highWaterMark: 256 * 1024 });
    const client = new WS(s.url);
    await next(client, 'open');
    cleanups.push(() => client.terminate());
    const [socket] = s.server.clients;
    client._socket.pause(); // the client stops reading the echoes
    const chunk = bytes(64 * 1024);
    const total = 200; // 12.5 MiB: far more than the socket buffers hold
    for (let i = 0; i < total; i++) client.send(chunk);
    let peak = 0;
    for (let i = 0; i < 40; i++) {
      await new Promise((r) => setTimeout(r, 10));
      peak = Math.max(peak, socket.bufferedAmount);
    }
    // The server paused: its queue stays near the high-water mark instead of holding all 12.5 MiB.
    expect(socket._socket!.isPaused()).toBe(true);
    expect(peak).toBeLessThan(4 * 1024 * 1024);
    let received = 0;
    const done = new Promise<void>((resolve) => client.on('message', () => ++received === total && resolve()));
    client._socket.resume();
    await done;
    expect(received).toBe(total);
  });

  test('a batch the socket still holds is never reused: echoes to a paused reader stay intact while another connection flushes', async () => {
    // Flushes share one batch buffer while their writes complete at once; one that waits in the socket must keep its bytes.
    const s = await echoServerUntil(cleanups, { highWaterMark: 256 * 1024 });
    const slow = new WS(s.url);
    const busy = new WS(s.url);
    await Promise.all([next(slow, 'open'), next(busy, 'open')]);
    cleanups.push(() => slow.terminate(), () => busy.terminate());
    const message = (i: number): Buffer => {
      const b = Buffer.alloc(1024, i & 0xff);
      b.writeUInt32BE(i, 0);
      return b;
    };
    slow._socket.pause();
    const total = 8192; // 8 MiB: more than the loopback buffers hold, so writes to `slow` wait in its socket
    for (let i = 0; i < total; i++) slow.send(message(i));
    const echoes = (ws: InstanceType<typeof WS>, count: number): Promise<Buffer[]> => new Promise((resolve) => {
      const got: Buffer[] = [];
      const onMessage = (data: Buffer): void => {
        got.push(data);
        if (got.length === count) {
          ws.off('message', onMessage);
          resolve(got);
        }
      };
      ws.on('message', onMessage);
    });
    for (let round = 0; round < 20; round++) {
      const got = echoes(busy, 64);
      for (let i = 0; i < 64; i++) busy.send(message(100_000 + round * 64 + i));
      const data = await got;
      data.forEach((d, i) => expect(d.equals(message(100_000 + round * 64 + i))).toBe(true));
    }
    expect(s.server.clients.size).toBe(2);
    const all = echoes(slow, total);
    slow._socket.resume();
    const data = await all;
    let intact = 0;
    data.forEach((d, i) => (intact += d.equals(message(i)) ? 1 : 0));
    expect(intact).toBe(total);
  });
});

describe('wsframe client → ws server', () => {
  test.each(SIZES)('sends and receives %i-byte text and binary messages', async (size) => {
    const { client, peer } = await ourClientToWs();
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    peer.on('message', (data: Buffer, isBinary: boolean) => peer.send(data, { binary: isBinary }));
    await expectEchoes(client, size);
  });

  test('fragmented sends arrive as one message', async () => {
    const { client, peer } = await ourClientToWs();
    const got = next(peer, 'message');
    client.send('hel', { fin: false });
    client.send('lo', { fin: true });
    const [data, isBinary] = await got;
    expect(data.toString()).toBe('hello');
    expect(isBinary).toBe(false);
  });

  test('frames are masked (ws rejects unmasked client frames) and pings are answered', async () => {
    const { client, peer } = await ourClientToWs();
    const pong = next(peer, 'pong');
    peer.ping('x');
    expect((await pong)[0].toString()).toBe('x');
    const pongBack = next(client, 'pong');
    client.ping('y');
    expect((await pongBack)[0].toString()).toBe('y');
  });

  test('close handshakes from either side', async () => {
    const a = await ourClientToWs();
    const peerClose = next(a.peer, 'close');
    const clientClose = next(a.client, 'close');
    a.client.close(1000, 'client bye');
    expect((await peerClose).map(String)).toEqual(['1000', 'client bye']);
    expect((await clientClose)[0]).toBe(1000);
    const b = await ourClientToWs();
    const closed = next(b.client, 'close');
    b.peer.close(4002, 'server bye');
    const [code, reason] = await closed;
    expect(code).toBe(4002);
    expect(reason.toString()).toBe('server bye');
  });

  test('the server going away abruptly gives 1006', async () => {
    const { client, peer } = await ourClientToWs();
    const closed = next(client, 'close');
    peer.terminate();
    expect((await closed)[0]).toBe(1006);
  });

  test('subprotocol negotiation', async () => {
    const s = await wsServer({ handleProtocols: () => 'chat' });
    cleanups.push(() => closeServer(s.server));
    const client = await connect(s.url, { protocols: ['chat', 'other'] });
    expect(client.protocol).toBe('chat');
    client.terminate();
  });

  test('new WebSocket(url) opens like ws', async () => {
    const s = await wsServer();
    cleanups.push(() => closeServer(s.server));
    const client = new WebSocket(s.url);
    expect(client.readyState).toBe(WebSocket.CONNECTING);
    await next(client, 'open');
    expect(client.readyState).toBe(WebSocket.OPEN);
    client.terminate();
  });
});
