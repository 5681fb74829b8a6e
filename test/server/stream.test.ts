/** createWebSocketStream: a connection as a Duplex, with backpressure both ways; also ws's own wrapper over our WebSocket. */
import type { Duplex } from 'node:stream';
import { expect, test } from 'vitest';
import { WebSocket, createWebSocketStream } from '../../src/server/index.js';
import { WS, bytes, cleanupsAfterEach, closeServer, listen, next, wsServer } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** A ws echo server and our client to it. */
async function echoPeer(): Promise<WebSocket> {
  const s = await wsServer();
  cleanups.push(() => closeServer(s.server));
  s.server.on('connection', (ws: any) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
  const client = new WebSocket(s.url);
  cleanups.push(() => client.terminate());
  return client;
}

/** Writes `data` in `chunk`-byte writes, honouring the stream's backpressure, and reads until `data.length` bytes came back. */
async function roundTrip(duplex: Duplex, data: Buffer, chunk: number): Promise<Buffer> {
  const received: Buffer[] = [];
  let length = 0;
  const done = new Promise<void>((resolve, reject) => {
    duplex.on('data', (piece: Buffer) => {
      received.push(piece);
      length += piece.length;
      if (length >= data.length) resolve();
    });
    duplex.on('error', reject);
  });
  for (let at = 0; at < data.length; at += chunk) {
    if (!duplex.write(data.subarray(at, at + chunk))) await new Promise((resolve) => duplex.once('drain', resolve));
  }
  await done;
  return Buffer.concat(received);
}

test('createWebSocketStream: 307,200 bytes through an echo, written before the connection opens', async () => {
  const client = await echoPeer();
  const duplex = createWebSocketStream(client);
  expect(client.readyState).toBe(WebSocket.CONNECTING);
  const data = bytes(307_200, 3);
  const back = await roundTrip(duplex, data, 4096);
  expect(back.equals(data)).toBe(true);
  duplex.destroy();
});

test("ws's own createWebSocketStream over our WebSocket no longer stalls (it reads isPaused)", async () => {
  const client = await echoPeer();
  await next(client, 'open');
  const duplex = WS.createWebSocketStream(client) as Duplex;
  const data = bytes(307_200, 4);
  const back = await roundTrip(duplex, data, 16_384);
  expect(back.equals(data)).toBe(true);
  duplex.destroy();
});

test('a stream nobody reads pauses the connection (TCP pushes back on the peer); reading resumes it and nothing is lost', async () => {
  const s = await wsServer();
  cleanups.push(() => closeServer(s.server));
  const total = 200;
  const message = bytes(64 * 1024, 5);
  s.server.on('connection', (ws: any) => {
    for (let i = 0; i < total; i++) ws.send(message);
  });
  const client = new WebSocket(s.url);
  cleanups.push(() => client.terminate());
  const duplex = createWebSocketStream(client, { readableHighWaterMark: 64 * 1024 });
  for (let i = 0; i < 200 && !client.isPaused; i++) await new Promise((resolve) => setTimeout(resolve, 5));
  expect(client.isPaused).toBe(true);
  expect(duplex.readableLength).toBeLessThan(total * message.length);
  let length = 0;
  for await (const piece of duplex) {
    length += (piece as Buffer).length;
    if (length === total * message.length) break;
  }
  expect(length).toBe(total * message.length);
});

test('end() closes with the closing handshake; destroy() terminates; a closed connection ends the readable side', async () => {
  const s = await listen();
  cleanups.push(() => closeServer(s.server));
  const closes: number[] = [];
  s.server.on('connection', (ws) => ws.on('close', (code) => closes.push(code)));
  const ended = new WebSocket(s.url);
  const a = createWebSocketStream(ended);
  const aClosed = new Promise((resolve) => a.once('close', resolve));
  a.resume();
  a.end();
  const [code] = await next(ended, 'close');
  expect(code).toBe(1005);
  await aClosed;
  const destroyed = new WebSocket(s.url);
  await next(destroyed, 'open');
  const b = createWebSocketStream(destroyed);
  b.destroy();
  const [code2] = await next(destroyed, 'close');
  expect(code2).toBe(1006);
  const closedByPeer = new WebSocket(s.url);
  const c = createWebSocketStream(closedByPeer, { readableObjectMode: true });
  const texts: unknown[] = [];
  c.on('data', (piece) => texts.push(piece));
  const end = new Promise((resolve) => c.once('end', resolve));
  s.server.once('connection', (ws) => {
    ws.send('as a string');
    ws.close(1000);
  });
  await end;
  expect(texts).toEqual(['as a string']);
  c.destroy();
  expect(() => createWebSocketStream({} as never)).toThrow(TypeError);
});

test('an error on the connection destroys the stream with it', async () => {
  const s = await wsServer();
  cleanups.push(() => closeServer(s.server));
  s.server.on('connection', (ws: any) => ws._socket.write(Buffer.from([0x83, 0x00]))); // reserved opcode
  const client = new WebSocket(s.url);
  const duplex = createWebSocketStream(client);
  const failed = next(duplex, 'error');
  const closed = new Promise((resolve) => duplex.once('close', resolve));
  const [error] = await failed;
  expect(error).toBeInstanceOf(RangeError);
  expect(error.code).toBe('WS_ERR_INVALID_OPCODE');
  await closed;
  expect(duplex.destroyed).toBe(true);
});

test("after the peer closed: 'end' comes, and end() then finishes and closes the stream (ours, and ws's wrapper, which reads _socket)", async () => {
  const s = await listen();
  cleanups.push(() => closeServer(s.server));
  s.server.on('connection', (ws) => {
    ws.send('last words');
    ws.close(1000);
  });
  for (const wrap of [createWebSocketStream, WS.createWebSocketStream as typeof createWebSocketStream]) {
    const client = new WebSocket(s.url);
    cleanups.push(() => client.terminate());
    const duplex = wrap(client, { readableObjectMode: true });
    const events: string[] = [];
    duplex.on('data', (piece) => events.push(`data ${typeof piece} ${piece}`));
    duplex.on('end', () => {
      events.push('end');
      duplex.end();
    });
    duplex.on('finish', () => events.push('finish'));
    await new Promise((resolve) => duplex.on('close', resolve));
    expect(events).toEqual(['data string last words', 'end', 'finish']);
    expect(duplex.destroyed).toBe(true);
  }
});
