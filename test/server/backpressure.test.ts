/**
 * Write backpressure against real peers over loopback: a connection that
 * stopped reading because bytes wait to be written (its own `highWaterMark`,
 * or the server's `maxBufferedBytes` for all connections together) reads again
 * as soon as it is back under the limit, without waiting for a timer. Each
 * case sets up its state by events (writes that stay pending because the peer
 * does not read), never by timing, and asserts what the peer then receives.
 */
import net from 'node:net';
import { describe, expect, test } from 'vitest';
import type { ServerOptions, WebSocket } from '../../src/server/index.js';
import { cleanupsAfterEach, closeServer, listen, next, upgradeRequest } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** A server whose connections are handed to the test, closed after the test. */
async function server(options: Omit<ServerOptions, 'port'>) {
  const s = await listen(options);
  cleanups.push(() => closeServer(s.server));
  const connections: WebSocket[] = [];
  s.server.on('connection', (ws: WebSocket) => {
    ws.on('error', () => {});
    connections.push(ws);
  });
  return { ...s, connections };
}

/** A raw client upgraded to WebSocket that does not read (until the test resumes it), and its server side. */
async function silentPeer(port: number, connections: WebSocket[]): Promise<{ socket: net.Socket; ws: WebSocket }> {
  const socket = net.connect(port, '127.0.0.1');
  cleanups.push(() => void socket.destroy());
  socket.on('error', () => {});
  const accepted = connections.length;
  socket.write(upgradeRequest());
  let head = '';
  while (!head.includes('\r\n\r\n')) head += String((await next(socket, 'data'))[0]);
  expect(head).toMatch(/^HTTP\/1\.1 101/);
  socket.pause();
  while (connections.length === accepted) await new Promise((resolve) => setImmediate(resolve));
  return { socket, ws: connections[accepted] };
}

/** A masked text frame (zero key) from the client. */
function textFrame(text: string): Buffer {
  const payload = Buffer.from(text);
  return Buffer.concat([Buffer.from([0x81, 0x80 | payload.length, 0, 0, 0, 0]), payload]);
}

/** Whether the server-side socket stopped reading. */
function stoppedReading(ws: WebSocket): boolean {
  return ws._socket!.isPaused();
}

/** The next message the server receives on `ws`, as text. */
async function nextMessage(ws: WebSocket): Promise<string> {
  return String((await next(ws, 'message'))[0]);
}

/** Sends `size`-byte binary messages, one per turn, until one is still waiting to be written after its flush (the peer's kernel buffers are full). */
async function fillUntilWaiting(ws: WebSocket, size: number): Promise<void> {
  const message = Buffer.alloc(size, 5);
  for (let sent = 0; ws.bufferedAmount === 0; sent++) {
    expect(sent).toBeLessThan(100_000); // bounded: loopback buffers hold at most a few tens of MiB
    ws.send(message);
    await new Promise((resolve) => setImmediate(resolve));
  }
}

describe('a connection stopped by the server-wide write budget', () => {
  test('reads again once another connection frees the budget, while its own bytes still wait', async () => {
    const { port, connections } = await server({ maxBufferedBytes: 12 << 20, highWaterMark: 64 << 20, sendTimeout: 0 });
    const a = await silentPeer(port, connections);
    const b = await silentPeer(port, connections);
    // 8 MiB each, more than loopback takes from a peer that does not read: the writes stay pending, whole.
    a.ws.send(Buffer.alloc(8 << 20, 1));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stoppedReading(a.ws)).toBe(false); // 8 MiB of 12: under the budget
    b.ws.send(Buffer.alloc(8 << 20, 2));
    await new Promise((resolve) => setImmediate(resolve));
    expect(stoppedReading(b.ws)).toBe(true); // 16 MiB of 12: over
    b.socket.write(textFrame('after the budget'));
    const heard = nextMessage(b.ws);
    // A's peer goes away: its 8 MiB leave the budget, B's 8 MiB alone are under it.
    a.socket.destroy();
    expect(await heard).toBe('after the budget');
    expect(b.ws.bufferedAmount).toBeGreaterThan(0); // resumed by the budget, not by draining
    expect(stoppedReading(b.ws)).toBe(false);
  }, 10_000);

  test('reads again once its own few waiting bytes are written, though Node emits no drain for them', async () => {
    // 4 KiB of budget, 8 KiB messages: one write left waiting puts the budget over. Node's 'drain' comes only
    // after the socket's own high-water mark (16 KiB) was reached, so nothing but the write itself says it is done.
    const { port, connections } = await server({ maxBufferedBytes: 4096, sendTimeout: 0 });
    const peer = await silentPeer(port, connections);
    await fillUntilWaiting(peer.ws, 8192);
    expect(peer.ws.bufferedAmount).toBeLessThan(16 * 1024);
    expect(stoppedReading(peer.ws)).toBe(true);
    peer.socket.write(textFrame('after the write'));
    const heard = nextMessage(peer.ws);
    peer.socket.on('data', () => {});
    peer.socket.resume(); // the peer reads: the waiting bytes go out
    expect(await heard).toBe('after the write');
    expect(peer.ws.bufferedAmount).toBe(0);
  }, 10_000);
});

describe('a connection stopped by its own highWaterMark', () => {
  test('under 16 KiB reads again once its waiting bytes are written, without a drain event or a timer', async () => {
    const { port, connections } = await server({ highWaterMark: 4096, sendTimeout: 0 });
    const peer = await silentPeer(port, connections);
    await fillUntilWaiting(peer.ws, 8192);
    expect(stoppedReading(peer.ws)).toBe(true);
    peer.socket.write(textFrame('after the write'));
    const heard = nextMessage(peer.ws);
    peer.socket.on('data', () => {});
    peer.socket.resume();
    expect(await heard).toBe('after the write');
  }, 10_000);
});
