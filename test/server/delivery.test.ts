/**
 * How received data reaches listeners: Buffers that view the decoder's memory
 * (one object per message, server/memory.ts's BufferView), that behave as any
 * Buffer does and stay valid after later messages; binaryType 'arraybuffer'
 * copies exactly the message, never the memory around it.
 */
import { expect, test } from 'vitest';
import type { WebSocket } from '../../src/server/index.js';
import { BufferView } from '../../src/server/memory.js';
import { frame } from './fuzzer.js';
import { cleanupsAfterEach, closeServer, listen, next } from './helpers.js';
import net from 'node:net';
import { randomBytes } from 'node:crypto';

const cleanups = cleanupsAfterEach();

/** A wsframe server and a raw TCP client past the handshake: frames written in one write arrive in one read. */
async function rawPair(): Promise<{ ours: WebSocket; socket: net.Socket }> {
  const s = await listen();
  cleanups.push(() => closeServer(s.server));
  const accepted = next(s.server, 'connection');
  const socket = net.connect(s.port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  socket.write(`GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${randomBytes(16).toString('base64')}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
  const [ours] = (await accepted) as [WebSocket];
  return { ours, socket };
}

function collect(ws: WebSocket, count: number): Promise<[unknown, boolean][]> {
  const got: [unknown, boolean][] = [];
  return new Promise((resolve) => {
    ws.on('message', (data: unknown, isBinary: boolean) => {
      got.push([data, isBinary]);
      if (got.length === count) resolve(got);
    });
  });
}

test('messages are Buffers over the decoder memory: Buffer methods and constructor; they stay valid after later messages', async () => {
  const { ours, socket } = await rawPair();
  const payloads = [Buffer.from('héllo'), randomBytes(300), Buffer.from('x'.repeat(70_000)), Buffer.alloc(0)];
  const arrived = collect(ours, payloads.length * 2);
  // Several messages in one write (whole frames in one read: views into one copy), then one byte at a time (assembled).
  socket.write(Buffer.concat(payloads.map((p, i) => frame(i === 1 ? 2 : 1, p))));
  for (const byte of Buffer.concat(payloads.map((p, i) => frame(i === 1 ? 2 : 1, p)))) socket.write(Buffer.from([byte]));
  const got = await arrived;
  got.forEach(([data, isBinary], i) => {
    const expected = payloads[i % payloads.length];
    expect(isBinary).toBe(i % payloads.length === 1);
    expect(Buffer.isBuffer(data)).toBe(true);
    const buffer = data as Buffer;
    expect(buffer.constructor).toBe(Buffer);
    expect(buffer.equals(expected)).toBe(true);
    expect(buffer.toString('hex')).toBe(expected.toString('hex'));
    // Buffer's slice is a view (as for any Buffer), subarray too, and both are Buffers.
    const sliced = buffer.slice(0, 1);
    expect(Buffer.isBuffer(sliced) && Buffer.isBuffer(buffer.subarray(0, 1))).toBe(true);
    if (buffer.length > 0) expect(sliced.buffer).toBe(buffer.buffer);
  });
  const first = got[0][0] as Buffer;
  expect(first.toString()).toBe('héllo');
  expect(JSON.stringify(first)).toBe(JSON.stringify(Buffer.from('héllo')));
});

test("binaryType 'arraybuffer': each message's own bytes, copied out of the shared memory", async () => {
  const { ours, socket } = await rawPair();
  ours.binaryType = 'arraybuffer';
  const payloads = [randomBytes(5), randomBytes(17), randomBytes(1)];
  const arrived = collect(ours, payloads.length);
  socket.write(Buffer.concat(payloads.map((p) => frame(2, p))));
  const got = await arrived;
  got.forEach(([data], i) => {
    expect(data).toBeInstanceOf(ArrayBuffer);
    expect((data as ArrayBuffer).byteLength).toBe(payloads[i].length);
    expect(Buffer.from(data as ArrayBuffer).equals(payloads[i])).toBe(true);
  });
});

test('BufferView instances are Buffers', () => {
  const memory = new ArrayBuffer(8);
  const view = new BufferView(memory, 2, 4);
  view.write('abcd');
  expect(Buffer.isBuffer(view)).toBe(true);
  expect(view).toBeInstanceOf(Buffer);
  expect(view.toString()).toBe('abcd');
  expect(view.readUInt16BE(0)).toBe(0x6162);
  expect(Buffer.concat([view, Buffer.from('e')]).toString()).toBe('abcde');
  expect(new Uint8Array(memory)[2]).toBe(0x61);
});

test('BufferView makes the Buffer Buffer.from makes, over any buffer in turn, and refuses a range past the end', () => {
  const a = new ArrayBuffer(32);
  const b = new ArrayBuffer(48);
  const shared = new SharedArrayBuffer(16);
  // Alternating buffers: the view of each must be over that buffer, not the one before (the cached receiver).
  for (const [memory, offset, length] of [[a, 0, 32], [b, 5, 7], [a, 31, 1], [b, 48, 0], [shared, 3, 13], [a, 12, 0]] as const) {
    const view = new BufferView(memory, offset, length);
    const reference = Buffer.from(memory, offset, length);
    expect(Object.getPrototypeOf(view)).toBe(Buffer.prototype);
    expect(view.buffer).toBe(memory);
    expect([view.byteOffset, view.length]).toEqual([reference.byteOffset, reference.length]);
    expect(view).toStrictEqual(reference);
  }
  expect(() => new BufferView(a, 30, 3)).toThrow(RangeError);
  expect(() => new BufferView(b, 49, 0)).toThrow(RangeError);
  expect(() => new BufferView(b, -1, 1)).toThrow(RangeError);
  expect(() => Buffer.from(b, 49, 0)).toThrow(RangeError);
});
