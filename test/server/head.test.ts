/**
 * Strict handshake heads: the server's own listener answers malformed heads
 * the way Node's `http` parser (llhttp) does, byte for byte, over real sockets;
 * the client refuses such responses. Bad bytes are refused when they arrive.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { WebSocketServer, acceptKey, connect } from '../../src/server/index.js';
import { HeadReader } from '../../src/server/head.js';
import { cleanupsAfterEach, closeServer, echoServer, raw } from './helpers.js';

const cleanups = cleanupsAfterEach();

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const headers = (lineEnd = '\r\n') =>
  ['Host: x', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13'].map((h) => h + lineEnd).join('');
const request = (extra = '', start = 'GET / HTTP/1.1') => `${start}\r\n${headers()}${extra}\r\n`;

/** Heads on which wsframe's own listener and Node's http + handleUpgrade must agree. */
const PROBES: [string, string][] = [
  ['a valid request', request()],
  ['bare LF line endings', `GET / HTTP/1.1\n${headers('\n')}\n`],
  ['one bare LF before the end', request('X-A: 1\n')],
  ['a CR without LF', request('X-A: 1\r2\r\n')],
  ['NUL in a header value', request('X-A: a\0b\r\n')],
  ['NUL at the end of a header value', request('X-A: ab\0\r\n')],
  ['ESC in a header value', request('X-A: a\x1bb\r\n')],
  ['DEL in a header value', request('X-A: a\x7fb\r\n')],
  ['HTAB in a header value', request('X-A: a\tb\r\n')],
  ['obs-text in a header value', request('X-A: a\xe9b\r\n')],
  ['a control character in a header name', request('X\x01A: 1\r\n')],
  ['space before the colon', request('X-A : 1\r\n')],
  ['obsolete line folding', request('X-A: 1\r\n 2\r\n')],
  ['an empty header name', request(': 1\r\n')],
  ['NUL in the request target', request('', 'GET /a\0b HTTP/1.1')],
  ['HTAB in the request target', request('', 'GET /a\tb HTTP/1.1')],
  ['obs-text in the request target', request('', 'GET /a\xe9b HTTP/1.1')],
  ['a lower-case protocol name', request('', 'GET / http/1.1')],
  ['a space after the version', request('', 'GET / HTTP/1.1 ')],
  ['an empty line before the request line', `\r\n${request()}`],
];

/** The status line's code, or 0 if the connection closed without one. */
function status(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1] ?? 0);
}

describe('request heads, as strict as Node http', () => {
  test('the own listener and Node http + handleUpgrade give the same status for every probe, also sent byte by byte', async () => {
    const own = await echoServer({ handshakeTimeout: 60_000 });
    cleanups.push(() => closeServer(own.server));
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ server: httpServer });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => wss.close(() => httpServer.close(() => resolve()))));
    const nodePort = (httpServer.address() as AddressInfo).port;
    for (const [name, head] of PROBES) {
      const bytes = Buffer.from(head, 'latin1');
      const reference = status(await raw(nodePort, bytes, { timeout: 300 }));
      expect([101, 400], name).toContain(reference);
      expect(status(await raw(own.port, bytes, { timeout: 300 })), name).toBe(reference);
      expect(status(await trickle(own.port, bytes)), `${name}, byte by byte`).toBe(reference);
    }
  });

  test('bare LF gets 400 as soon as the first bare LF arrives, not 408 at the deadline', async () => {
    const { port, server } = await echoServer({ handshakeTimeout: 60_000 });
    cleanups.push(() => closeServer(server));
    // Only the request line is sent: the answer cannot come from the end of the head or from the deadline.
    const response = await raw(port, 'GET / HTTP/1.1\n');
    expect(status(response)).toBe(400);
    expect(response).toContain('Bare LF');
  });

  test('the limits stay: a head past maxHeaderSize gets 431, with or without line ends', async () => {
    const { port, server } = await echoServer({ maxHeaderSize: 1024 });
    cleanups.push(() => closeServer(server));
    expect(status(await raw(port, `GET / HTTP/1.1\r\nX-A: ${'a'.repeat(2000)}`))).toBe(431);
    expect(status(await raw(port, request(`X-A: ${'a'.repeat(2000)}\r\n`)))).toBe(431);
    expect(status(await raw(port, 'a'.repeat(2000)))).toBe(431);
  });

  test('header values are trimmed of spaces and tabs only; obs-text is kept', () => {
    const reader = new HeadReader({ maxHeaderSize: 1024, maxHeaders: 10 });
    const parsed = reader.push(Buffer.from('GET / HTTP/1.1\r\nX-A: \t a\xa0b\xa0 \t\r\n\r\nrest', 'latin1'))!;
    expect(parsed.head.headers['x-a']).toBe('a\xa0b\xa0');
    expect(parsed.rest.toString()).toBe('rest');
  });
});

/** Sends `bytes` one per write (and per packet: no delay), resolving with the response head. */
function trickle(port: number, bytes: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.setNoDelay(true);
    const chunks: Buffer[] = [];
    let i = 0;
    const step = (): void => {
      if (i < bytes.length && !socket.destroyed) socket.write(bytes.subarray(i, ++i), step);
    };
    socket.on('data', (chunk) => {
      chunks.push(chunk);
      if (Buffer.concat(chunks).includes('\r\n\r\n')) socket.destroy(); // a whole response head is enough
    });
    socket.on('error', (error: NodeJS.ErrnoException) => (error.code === 'EPIPE' || error.code === 'ECONNRESET' ? undefined : reject(error)));
    socket.on('close', () => resolve(Buffer.concat(chunks).toString('latin1')));
    socket.on('connect', step);
    setTimeout(() => socket.destroy(), 2_000);
  });
}

describe('response heads (client)', () => {
  async function fake(response: (key: string) => string): Promise<string> {
    const server = net.createServer((socket) => {
      socket.once('data', (data) => socket.write(Buffer.from(response(/Sec-WebSocket-Key: (\S+)/i.exec(String(data))![1]), 'latin1')));
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const ok = (key: string, extra = '', eol = '\r\n') =>
    ['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Accept: ${acceptKey(key)}`]
      .map((line) => line + eol).join('') + extra + eol;

  test('accepts a correct response with HTAB and obs-text in a header value', async () => {
    const client = await connect(await fake((key) => ok(key, 'X-A: a\tb\xe9\r\n')));
    expect(client.readyState).toBe(1);
    client.terminate();
  });

  test.each([
    // The client reads responses with node:http (llhttp, strict), as ws does.
    ['bare LF line endings', (key: string) => ok(key, '', '\n'), /Missing expected CR/],
    ['NUL in a header value', (key: string) => ok(key, 'X-A: a\0b\r\n'), /Invalid header value char/],
    ['a malformed status code', (key: string) => ok(key).replace('101', '1O1'), /Invalid status code|Parse Error/],
  ])('refuses %s', async (_name, response, message) => {
    await expect(connect(await fake(response), { handshakeTimeout: 60_000 })).rejects.toThrow(message);
  });
});
