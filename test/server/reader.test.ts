/**
 * The zero-copy read path (src/server/reader.ts): sockets Node constructed
 * (accepted by net.Server, upgraded by http.Server, connected by the client)
 * read straight into the caller's buffer. It relies on Node internals, so
 * this file runs on every Node of the matrix (test/runtimes/node-versions.test.ts):
 * a Node where it stops working fails here instead of silently taking the copying path.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { afterEach, describe, expect, it } from 'vitest';
import { createServer, type WebSocketServer } from '../../src/server/index.js';
import { readInto } from '../../src/server/reader.js';
import { closeServer, echoServer, next, upgradeRequest, WS } from './helpers.js';

const cleanups: (() => unknown)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Bytes that arrive through `readInto`'s callback, each read checked to be in `buffer`. */
function collect(socket: net.Socket, buffer: Uint8Array, bytes: number): { started: boolean; done: Promise<Buffer> } {
  const chunks: Buffer[] = [];
  let received = 0;
  let resolve!: (data: Buffer) => void;
  const done = new Promise<Buffer>((r) => (resolve = r));
  const started = readInto(socket, buffer, function (length) {
    expect(this).toBe(socket);
    chunks.push(Buffer.from(buffer.subarray(0, length))); // valid only during the callback: copy
    received += length;
    if (received >= bytes) resolve(Buffer.concat(chunks));
  });
  socket.resume();
  return { started, done };
}

/** Starts `server` on a free loopback port (closed after the test); resolves with the port. */
async function onFreePort(server: net.Server): Promise<number> {
  cleanups.push(() => closeServer(server));
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

const payload = Buffer.from(Array.from({ length: 200_000 }, (_, i) => (i * 31) & 0xff));

describe('readInto switches Node-constructed sockets to reading into our buffer', () => {
  it('an accepted socket (net.Server)', async () => {
    const buffer = new Uint8Array(16384);
    const server = net.createServer();
    const client = net.connect(await onFreePort(server), '127.0.0.1');
    cleanups.push(() => client.destroy());
    const [socket] = (await next(server, 'connection')) as [net.Socket];
    cleanups.push(() => socket.destroy());
    const { started, done } = collect(socket, buffer, payload.length);
    expect(started).toBe(true);
    client.write(payload);
    expect((await done).equals(payload)).toBe(true);
    expect(socket.listenerCount('data')).toBe(0);
  });

  it('an upgraded socket (http.Server "upgrade"), bytes Node already buffered first', async () => {
    const buffer = new Uint8Array(16384);
    const server = http.createServer();
    const client = net.connect(await onFreePort(server), '127.0.0.1');
    cleanups.push(() => client.destroy());
    client.write(`${upgradeRequest()}`);
    const [, socket, head] = (await next(server, 'upgrade')) as [unknown, net.Socket, Buffer];
    cleanups.push(() => socket.destroy());
    expect(head.length).toBe(0);
    const { started, done } = collect(socket, buffer, payload.length);
    expect(started).toBe(true);
    client.write(payload);
    expect((await done).equals(payload)).toBe(true);
  });

  it('a connected socket (net.connect), as the client uses', async () => {
    const buffer = new Uint8Array(4096);
    const server = net.createServer((socket) => socket.end(payload));
    const socket = net.connect(await onFreePort(server), '127.0.0.1');
    cleanups.push(() => socket.destroy());
    await next(socket, 'connect');
    const { started, done } = collect(socket, buffer, payload.length);
    expect(started).toBe(true);
    expect((await done).equals(payload)).toBe(true);
  });

  it('declines, changing nothing, a stream that is not a socket', () => {
    const stream = new Duplex({ read() {}, write(_chunk, _encoding, callback) { callback(); } });
    expect(readInto(stream as unknown as net.Socket, new Uint8Array(16), () => {})).toBe(false);
  });
});

describe('the server reads through it', () => {
  for (const attach of ['its own port', 'an http.Server'] as const) {
    it(`on ${attach}: the connection's socket has no 'data' listener (no copying fallback), and echoes`, async () => {
      let url: string;
      let server: WebSocketServer;
      if (attach === 'its own port') {
        ({ server, url } = await echoServer());
      } else {
        const httpServer = http.createServer();
        url = `ws://127.0.0.1:${await onFreePort(httpServer)}`;
        server = createServer({ server: httpServer });
        server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
      }
      cleanups.push(() => closeServer(server));
      const connection = next(server, 'connection');
      const client = new WS(url);
      cleanups.push(() => client.terminate());
      await next(client, 'open');
      const [, req] = (await connection) as [unknown, { socket: net.Socket }];
      expect(req.socket.listenerCount('data')).toBe(0);
      client.send(payload);
      const [data] = await next(client, 'message');
      expect(Buffer.compare(data, payload)).toBe(0);
    });
  }
});
