/** Shared helpers for the server tests: real servers on port 0, real ws peers, raw sockets. */
import { createRequire } from 'node:module';
import net, { type AddressInfo } from 'node:net';
import { afterEach } from 'vitest';
import { createServer, type ServerOptions, type WebSocket, type WebSocketServer } from '../../src/server/index.js';

const require = createRequire(import.meta.url);
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const WS = require('ws') as any;

/** A wsframe server listening on a free loopback port. */
export async function listen(options: Omit<ServerOptions, 'port'> = {}): Promise<{ server: WebSocketServer; port: number; url: string }> {
  const server = createServer({ port: 0, host: '127.0.0.1', ...options });
  await new Promise((resolve) => server.once('listening', resolve));
  const port = (server.address() as AddressInfo).port;
  return { server, port, url: `ws://127.0.0.1:${port}` };
}

/** A wsframe echo server: text back as text, binary as binary. */
export async function echoServer(options: Omit<ServerOptions, 'port'> = {}) {
  const s = await listen(options);
  s.server.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  return s;
}

/** A ws server (for the wsframe client) on a free loopback port. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function wsServer(options: Record<string, unknown> = {}): Promise<{ server: any; url: string }> {
  const server = new WS.WebSocketServer({ port: 0, host: '127.0.0.1', ...options });
  await new Promise((resolve) => server.once('listening', resolve));
  return { server, url: `ws://127.0.0.1:${server.address().port}` };
}

/** A list of cleanups run (last first) after each test of the calling file. */
export function cleanupsAfterEach(): (() => Promise<void> | void)[] {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });
  return cleanups;
}

/** An echo server (see `echoServer`) closed by `cleanups`. */
export async function echoServerUntil(cleanups: (() => Promise<void> | void)[], options: Omit<ServerOptions, 'port'> = {}) {
  const s = await echoServer(options);
  cleanups.push(() => closeServer(s.server));
  return s;
}

/**
 * A wsframe server (`listen(options)`) and a client connected to it (ws's by default, or `Client`: wsframe's own
 * WebSocket), both closed by `cleanups`: resolves once the client is open, with the server's side of the connection
 * (`ours`) and the client (`theirs`).
 */
export async function connectedPair(
  cleanups: (() => Promise<void> | void)[],
  options: Omit<ServerOptions, 'port'> = {},
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  Client: new (url: string) => any = WS,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
): Promise<{ ours: WebSocket; theirs: any; server: WebSocketServer; url: string }> {
  const s = await listen(options);
  cleanups.push(() => closeServer(s.server));
  const accepted = next(s.server, 'connection');
  const theirs = new Client(s.url);
  cleanups.push(() => theirs.terminate());
  await next(theirs, 'open');
  const [ours] = (await accepted) as [WebSocket];
  return { ours, theirs, server: s.server, url: s.url };
}

export function closeServer(server: { close(cb: () => void): void }): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/** Resolves with the arguments of the next `event` of `emitter`. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function next(emitter: { once(event: string, f: (...args: any[]) => void): unknown }, event: string): Promise<any[]> {
  return new Promise((resolve) => emitter.once(event, (...args) => resolve(args)));
}

/** Sends raw bytes and resolves with everything received until the server closes the connection. */
export function raw(port: number, data: string | Buffer, options: { timeout?: number } = {}): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    const chunks: Buffer[] = [];
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.write(data);
    if (options.timeout) setTimeout(() => socket.destroy(), options.timeout);
  });
}

/** A valid upgrade request with some headers replaced (a `null` value removes one). */
export function upgradeRequest(overrides: Record<string, string | null> = {}, start = 'GET / HTTP/1.1'): string {
  const headers: Record<string, string | null> = {
    Host: 'localhost',
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': 'dGhlIHNhbXBsZSBub25jZQ==',
    'Sec-WebSocket-Version': '13',
    ...overrides,
  };
  let text = `${start}\r\n`;
  for (const [name, value] of Object.entries(headers)) if (value !== null) text += `${name}: ${value}\r\n`;
  return `${text}\r\n`;
}

/** Payload sizes around every frame-length encoding edge, up to 16 MiB. */
export const SIZES = [0, 1, 125, 126, 127, 65535, 65536, 1 << 20, 16 << 20];

/** Deterministic test bytes. */
export function bytes(length: number, seed = 1): Buffer {
  const out = Buffer.allocUnsafe(length);
  let x = seed * 2654435761;
  for (let i = 0; i < length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    out[i] = x >>> 24;
  }
  return out;
}

/** Deterministic UTF-8 text of `length` bytes mixing 1–4-byte characters. */
export function text(length: number): string {
  const pieces = ['a', 'é', '€', '😀', 'z', ' '];
  let out = '';
  let size = 0;
  for (let i = 0; size < length; i++) {
    const piece = pieces[i % pieces.length];
    const n = Buffer.byteLength(piece);
    if (size + n > length) {
      out += 'x'.repeat(length - size);
      break;
    }
    out += piece;
    size += n;
  }
  return out;
}
