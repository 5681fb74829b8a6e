/**
 * Details of ws's public API that a drop-in must match (ws's doc/ws.md and
 * its behaviour), checked over loopback against the real ws package: the
 * shape of the class (constants, attribute accessors), sending Blobs (read
 * asynchronously, in send order, counted in bufferedAmount), one 'error'
 * event per connection, ws's error fields, the ready states of a failed
 * handshake, and `_socket` after the close.
 */
import { randomBytes } from 'node:crypto';
import { openAsBlob, unlinkSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { WebSocket, createWebSocketStream } from '../../src/server/index.js';
import { cleanupsAfterEach, closeServer, listen, next, wsServer } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** A ws server that records what each connection receives (messages as [text, isBinary], pings), and our client to it. */
async function clientToRecorder(): Promise<{ ws: WebSocket; got: [string, boolean][]; pings: string[]; closed: Promise<unknown[]> }> {
  const { server, url } = await wsServer();
  cleanups.push(() => closeServer(server));
  const got: [string, boolean][] = [];
  const pings: string[] = [];
  let closed!: Promise<unknown[]>;
  server.on('connection', (peer: WebSocket) => {
    peer.on('message', (data: Buffer, isBinary: boolean) => got.push([String(data), isBinary]));
    peer.on('ping', (data: Buffer) => pings.push(String(data)));
    closed = next(peer, 'close');
  });
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  await next(ws, 'open');
  return { ws, got, pings, get closed() { return closed; } };
}

/** A file-backed Blob whose file is then changed, so that reading it fails with NotReadableError. */
async function unreadableBlob(): Promise<Blob> {
  const file = join(tmpdir(), `wsframe-blob-${randomBytes(4).toString('hex')}`);
  writeFileSync(file, 'x'.repeat(64));
  const blob = await openAsBlob(file);
  writeFileSync(file, 'x'.repeat(32));
  cleanups.push(() => unlinkSync(file));
  return blob;
}

describe('class shape, as ws', () => {
  test('CONNECTING, OPEN, CLOSING, CLOSED are enumerable, read-only, non-configurable on the class and on the prototype', () => {
    for (const [name, value] of [['CONNECTING', 0], ['OPEN', 1], ['CLOSING', 2], ['CLOSED', 3]] as const) {
      for (const target of [WebSocket, WebSocket.prototype]) {
        expect(Object.getOwnPropertyDescriptor(target, name)).toEqual({ value, enumerable: true, writable: false, configurable: false });
      }
      expect(new WebSocket()[name]).toBe(value);
    }
  });

  test('the attributes are enumerable, configurable accessors of the prototype; only binaryType has a setter', () => {
    for (const name of ['binaryType', 'bufferedAmount', 'extensions', 'isPaused', 'protocol', 'readyState', 'url']) {
      const descriptor = Object.getOwnPropertyDescriptor(WebSocket.prototype, name)!;
      expect(descriptor.enumerable, name).toBe(true);
      expect(descriptor.configurable, name).toBe(true);
      expect(typeof descriptor.get, name).toBe('function');
      expect(descriptor.set === undefined, name).toBe(name !== 'binaryType');
    }
  });
});

describe('sending Blobs', () => {
  test('Blobs are sent as binary messages in send order with what follows them, and the close frame waits for them', async () => {
    const { ws, got, pings, closed } = await clientToRecorder();
    ws.send(new Blob(['foo']));
    ws.send('text after a blob');
    ws.ping(new Blob(['ping']));
    ws.send(new Blob(['bar']), { binary: false });
    ws.send(Buffer.from('bytes'));
    // ws counts a Blob by its size while it is read, and what waits behind it.
    expect(ws.bufferedAmount).toBe(3 + 17 + 4 + 3 + 5);
    ws.close(1000);
    expect(ws.readyState).toBe(WebSocket.CLOSING);
    const [code] = await next(ws, 'close');
    expect(code).toBe(1000);
    await closed;
    expect(got).toEqual([['foo', true], ['text after a blob', false], ['bar', false], ['bytes', true]]);
    expect(pings).toEqual(['ping']);
  });

  test('a ping or pong Blob over 125 bytes throws at once', async () => {
    const { ws } = await clientToRecorder();
    expect(() => ws.ping(new Blob([Buffer.alloc(126)]))).toThrow(RangeError);
    expect(() => ws.pong(new Blob([Buffer.alloc(126)]))).toThrow('The data size must not be greater than 125 bytes');
  });

  test('terminate while a Blob is read: its callback and those of the sends behind it get an error, in order', async () => {
    const { ws } = await clientToRecorder();
    const called: [number, string, number][] = [];
    const record = (n: number) => (error?: Error) => called.push([n, String(error?.message), ws.readyState]);
    ws.send(new Blob(['foo']), record(1));
    ws.send('bar');
    ws.send('baz', record(2));
    ws.terminate();
    await next(ws, 'close');
    const message = 'The socket was closed while the blob was being read';
    expect(called).toEqual([[1, message, WebSocket.CLOSING], [2, message, WebSocket.CLOSING]]);
  });

  test("a Blob that cannot be read: its callback gets the read's error, then one 'error' event, and the connection ends", async () => {
    const { server, url } = await listen();
    cleanups.push(() => closeServer(server));
    const accepted = next(server, 'connection');
    const theirs = new WebSocket(url);
    cleanups.push(() => theirs.terminate());
    const [ours] = (await accepted) as [WebSocket];
    const order: string[] = [];
    ours.send(await unreadableBlob(), (error) => order.push(`callback ${error?.name}`));
    ours.send('after', (error) => order.push(`callback ${error?.name}`));
    ours.on('error', (error: Error) => order.push(`error ${error.name}: ${error.message}`));
    const [code] = await next(ours, 'close');
    expect(code).toBe(1006);
    expect(order).toEqual(['callback NotReadableError', 'callback NotReadableError', 'error NotReadableError: The blob could not be read']);
  });

  test('after the close, a Blob is counted in bufferedAmount by its size and its callback gets an error', async () => {
    const { ws } = await clientToRecorder();
    ws.terminate();
    await next(ws, 'close');
    const errors: string[] = [];
    ws.send(new Blob(['four']), (error) => errors.push(String(error?.message)));
    ws.ping(new Blob(['12']));
    expect(ws.bufferedAmount).toBe(6);
    await new Promise((resolve) => process.nextTick(resolve));
    expect(errors).toEqual(['WebSocket is not open: readyState 3 (CLOSED)']);
  });
});

test("one 'error' event per connection: a protocol error and a Blob that fails to read report one error", async () => {
  const { server, url } = await wsServer();
  cleanups.push(() => closeServer(server));
  // The peer sends a frame with a reserved opcode: our client fails the connection with 1002.
  server.on('connection', (peer: { _socket: { write(b: Buffer): void } }) => peer._socket.write(Buffer.from([0x85, 0x00])));
  const ws = new WebSocket(url, { perMessageDeflate: false });
  cleanups.push(() => ws.terminate());
  const errors: string[] = [];
  ws.on('error', (error: Error) => errors.push(error.message));
  const blob = await unreadableBlob();
  await next(ws, 'open');
  ws.send(blob);
  await next(ws, 'close');
  await new Promise((resolve) => setTimeout(resolve, 20));
  // Whichever comes first (the bad frame or the failed read) is the one reported.
  expect(errors).toHaveLength(1);
  expect(errors[0]).toMatch(/^Invalid WebSocket frame: invalid opcode|^The blob could not be read$/);
});

test('invalid compressed data is reported as ws reports zlib\'s error: code Z_DATA_ERROR, errno -3, close code 1007', async () => {
  const { server, url } = await wsServer({ perMessageDeflate: true });
  cleanups.push(() => closeServer(server));
  // A binary frame marked compressed (RSV1) whose payload is not DEFLATE data.
  server.on('connection', (peer: { _socket: { write(b: Buffer): void } }) => peer._socket.write(Buffer.from([0xc2, 0x04, 0x22, 0xfa, 0xec, 0x78])));
  const ws = new WebSocket(url);
  cleanups.push(() => ws.terminate());
  const [error] = await next(ws, 'error');
  expect([error.code, error.errno, error.closeCode]).toEqual(['Z_DATA_ERROR', -3, 1007]);
});

describe('a failed client handshake, as ws', () => {
  /** A server that answers the upgrade with a wrong Sec-WebSocket-Accept. */
  async function badAccept(): Promise<string> {
    const server = http.createServer();
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: x\r\n\r\n'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => closeServer(server));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  test("is CLOSING from the failure on and during 'error', CLOSED at 'close'; sends meanwhile are counted, close() is a no-op", async () => {
    const ws = new WebSocket(await badAccept());
    const seen: string[] = [];
    ws.on('upgrade', () => process.nextTick(() => seen.push(`after upgrade ${ws.readyState}`)));
    ws.on('error', (error: Error) => {
      seen.push(`error ${ws.readyState} ${error.message}`);
      ws.send('hi');
      ws.close();
    });
    await next(ws, 'close');
    seen.push(`close ${ws.readyState}`);
    expect(seen).toEqual([`after upgrade ${WebSocket.CLOSING}`, `error ${WebSocket.CLOSING} Invalid Sec-WebSocket-Accept header`, `close ${WebSocket.CLOSED}`]);
    expect(ws.bufferedAmount).toBe(2);
    expect(ws._socket).toBe(null);
  });

  test("createWebSocketStream: ending the stream of a failed handshake finishes nothing; the handshake's error destroys it", async () => {
    const ws = new WebSocket(await badAccept());
    const duplex = createWebSocketStream(ws);
    const events: string[] = [];
    duplex.on('finish', () => events.push('finish'));
    duplex.on('error', (error) => events.push(`error ${error.message}`));
    ws.on('upgrade', () => process.nextTick(() => duplex.end()));
    await new Promise((resolve) => duplex.on('close', resolve));
    expect(events).toEqual(['error Invalid Sec-WebSocket-Accept header']);
  });
});

test('_socket stays set once the connection closed, as in ws (wrappers written for ws read it)', async () => {
  const { ws } = await clientToRecorder();
  const socket = ws._socket;
  expect(socket).not.toBe(null);
  ws.close();
  await next(ws, 'close');
  expect(ws._socket).toBe(socket);
  expect(ws._socket!.destroyed).toBe(true);
});
