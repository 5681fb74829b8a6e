/** Opening handshakes, server side (RFC 6455 §4.2) and client side (§4.1), over real sockets. */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { describe, expect, test } from 'vitest';
import { WebSocketServer, acceptKey, connect } from '../../src/server/index.js';
import { WS, cleanupsAfterEach, closeServer, echoServerUntil, listen, next, raw, upgradeRequest } from './helpers.js';

const cleanups = cleanupsAfterEach();

async function server(options = {}) {
  const s = await echoServerUntil(cleanups, options);
  return s;
}

function status(response: string): number {
  return Number(/^HTTP\/1\.1 (\d{3})/.exec(response)?.[1]);
}

describe('server handshake', () => {
  test('accepts a valid request with the RFC 6455 §1.3 accept hash', async () => {
    const { port } = await server();
    const response = await raw(port, upgradeRequest(), { timeout: 200 });
    expect(status(response)).toBe(101);
    expect(response).toContain('Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n');
    expect(acceptKey('dGhlIHNhbXBsZSBub25jZQ==')).toBe('s3pPLMBiTxaQ9kYGzzhZRbK+xOo=');
  });

  test('header tokens are case-insensitive and may be lists', async () => {
    const { port } = await server();
    const response = await raw(port, upgradeRequest({ Upgrade: 'WebSocket', Connection: 'keep-alive, UPGRADE' }), { timeout: 200 });
    expect(status(response)).toBe(101);
  });

  test.each([
    ['a missing key', { 'Sec-WebSocket-Key': null }],
    ['a key that is not 16 bytes', { 'Sec-WebSocket-Key': 'c2hvcnQ=' }],
    ['a key that is not base64', { 'Sec-WebSocket-Key': '!!!!!!!!!!!!!!!!!!!!!!==' }],
    ['a bad Upgrade header', { Upgrade: 'h2c' }],
    ['a missing Connection header', { Connection: null }],
    ['a Connection header without upgrade', { Connection: 'keep-alive' }],
    ['a malformed subprotocol list', { 'Sec-WebSocket-Protocol': 'a,,b' }],
    ['a duplicate subprotocol', { 'Sec-WebSocket-Protocol': 'a, a' }],
  ])('400 for %s', async (_name, overrides) => {
    const { port } = await server();
    const response = await raw(port, upgradeRequest(overrides as Record<string, string | null>));
    expect(status(response)).toBe(400);
  });

  test('400 for HTTP/1.0, a malformed request line or header line', async () => {
    const { port } = await server();
    expect(status(await raw(port, upgradeRequest({}, 'GET / HTTP/1.0')))).toBe(400);
    expect(status(await raw(port, upgradeRequest({}, 'GET /')))).toBe(400);
    expect(status(await raw(port, upgradeRequest({ ' Bad': 'x' })))).toBe(400);
  });

  test('405 for another method, 426 for a plain HTTP request', async () => {
    const { port } = await server();
    expect(status(await raw(port, upgradeRequest({}, 'POST / HTTP/1.1')))).toBe(405);
    const plain = await raw(port, 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    expect(status(plain)).toBe(426);
  });

  // §4.2.2: "an appropriate HTTP error code (such as 426)"; ws sends 400, and so do we (docs/server.md).
  test.each([['7'], ['14'], [null]])('400 with Sec-WebSocket-Version: 13, 8 for version %s', async (version) => {
    const { port } = await server();
    const response = await raw(port, upgradeRequest({ 'Sec-WebSocket-Version': version }));
    expect(status(response)).toBe(400);
    expect(response).toContain('Sec-WebSocket-Version: 13, 8\r\n');
    expect(response.endsWith('\r\n\r\nMissing or invalid Sec-WebSocket-Version header')).toBe(true);
  });

  test('version 8 (hybi-08..12, the same framing) is accepted, as ws does', async () => {
    const { port } = await server();
    expect(status(await raw(port, upgradeRequest({ 'Sec-WebSocket-Version': '8' }), { timeout: 200 }))).toBe(101);
  });

  test('path: other paths get 400', async () => {
    const { port, url } = await server({ path: '/chat' });
    expect(status(await raw(port, upgradeRequest({}, 'GET /other HTTP/1.1')))).toBe(400);
    const ok = new WS(`${url}/chat?x=1`);
    await next(ok, 'open');
    ok.terminate();
  });

  test('verifyClient: refusal is 401 Unauthorized by default (as ws); the async form can set code and message', async () => {
    const { port, url } = await server({ verifyClient: ({ origin }: { origin?: string }) => origin === 'https://good.example' });
    const refused = await raw(port, upgradeRequest({ Origin: 'https://evil.example' }));
    expect(refused.startsWith('HTTP/1.1 401 Unauthorized\r\n')).toBe(true);
    const good = new WS(url, { origin: 'https://good.example' });
    await next(good, 'open');
    good.terminate();
    const asyncServer = await server({
      verifyClient: (_info: unknown, cb: (ok: boolean, code?: number, message?: string) => void) => setTimeout(() => cb(false, 403, 'Who are you'), 5),
    });
    const response = await raw(asyncServer.port, upgradeRequest());
    expect(response.startsWith('HTTP/1.1 403 Forbidden\r\n')).toBe(true);
    expect(response).toContain('Who are you');
  });

  test('a header flood gets 431 and the server keeps serving', async () => {
    const { port, url } = await server();
    let flood = '';
    for (let i = 0; i < 2000; i++) flood += `X-${i}: ${i}\r\n`;
    const request = upgradeRequest().replace('\r\n\r\n', `\r\n${flood}\r\n`);
    expect(status(await raw(port, request))).toBe(431);
    const huge = upgradeRequest({ 'X-Big': 'a'.repeat(20000) });
    expect(status(await raw(port, huge))).toBe(431);
    // An endless head is cut off at the size limit, not buffered forever.
    expect(status(await raw(port, `GET / HTTP/1.1\r\nX: ${'a'.repeat(100000)}`))).toBe(431);
    const client = new WS(url);
    await next(client, 'open');
    client.terminate();
  });

  test('a slow client (slowloris) gets 408 at the handshake timeout and is disconnected', async () => {
    const { port } = await server({ handshakeTimeout: 200 });
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    socket.write('GET / HTTP/1.1\r\nHost: x\r\n');
    const timer = setInterval(() => socket.write('X-Slow: 1\r\n'), 50);
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', () => {});
    await next(socket, 'close');
    clearInterval(timer);
    expect(status(Buffer.concat(chunks).toString())).toBe(408);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  test('maxConnections: handshakes past the limit get 503', async () => {
    const { port, url } = await server({ maxConnections: 1 });
    const first = new WS(url);
    await next(first, 'open');
    expect(status(await raw(port, upgradeRequest()))).toBe(503);
    first.terminate();
  });

  test('bytes sent right after the request (pipelined frames) are not lost', async () => {
    const { port } = await server();
    // A masked text frame "hi" (mask key 0) straight behind the request.
    const frame = Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]);
    const response = await raw(port, Buffer.concat([Buffer.from(upgradeRequest()), frame]), { timeout: 300 });
    expect(response.endsWith('\x81\x02hi')).toBe(true);
  });
});

describe('handleUpgrade on an http server', () => {
  async function httpServer(wss: WebSocketServer, maxHeadersCount?: number) {
    const server = http.createServer((_req, res) => res.end('plain'));
    if (maxHeadersCount !== undefined) server.maxHeadersCount = maxHeadersCount;
    server.on('upgrade', (req, socket, head) => wss.handleUpgrade(req, socket, head, (ws) => wss.emit('connection', ws, req)));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return (server.address() as AddressInfo).port;
  }

  test('echoes through an upgraded http connection; plain requests still reach http', async () => {
    const wss = new WebSocketServer({ noServer: true });
    wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
    cleanups.push(() => closeServer(wss));
    const port = await httpServer(wss);
    const client = new WS(`ws://127.0.0.1:${port}`);
    await next(client, 'open');
    client.send('through http');
    expect((await next(client, 'message'))[0].toString()).toBe('through http');
    client.close();
    await next(client, 'close');
    const body = await new Promise<string>((resolve) => http.get(`http://127.0.0.1:${port}/`, (res) => res.on('data', (d) => resolve(String(d)))));
    expect(body).toBe('plain');
  });

  test('the { server } option attaches to an http server', async () => {
    const httpServer = http.createServer();
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => httpServer.close(() => resolve())));
    const wss = new WebSocketServer({ server: httpServer });
    cleanups.push(() => closeServer(wss));
    wss.on('connection', (ws) => ws.send('welcome'));
    const client = new WS(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
    expect((await next(client, 'message'))[0].toString()).toBe('welcome');
    client.terminate();
  });

  test('headers past http.Server#maxHeadersCount (CVE-2024-37890) are refused, not a crash', async () => {
    const wss = new WebSocketServer({ noServer: true });
    cleanups.push(() => closeServer(wss));
    const port = await httpServer(wss, 2);
    // http.Server keeps only the first 2 headers: the key is dropped.
    const response = await raw(port, upgradeRequest());
    expect([400, 431]).toContain(status(response));
    const flood = upgradeRequest().replace('\r\n\r\n', `\r\n${'X-A: 1\r\n'.repeat(150)}\r\n`);
    const port2 = await httpServer(wss);
    expect(status(await raw(port2, flood))).toBe(431);
  });
});

describe('client handshake', () => {
  /** A fake server that answers any request with `response(key)`. */
  async function fake(response: (key: string) => string) {
    const server = net.createServer((socket) => {
      socket.once('data', (data) => {
        const key = /Sec-WebSocket-Key: (\S+)/i.exec(String(data))![1];
        socket.write(response(key));
      });
      socket.on('error', () => {});
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    return `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }
  const ok = (key: string, extra = '') =>
    `HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(key)}\r\n${extra}\r\n`;

  test('accepts a correct response', async () => {
    const client = await connect(await fake((key) => ok(key, 'Sec-WebSocket-Protocol: chat\r\n')), { protocols: ['chat'] });
    expect(client.protocol).toBe('chat');
    expect(client.readyState).toBe(1);
    client.terminate();
  });

  test.each([
    ['a non-101 status', () => 'HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n', /Unexpected server response: 200/],
    ['a wrong accept hash', (key: string) => ok(key).replace(acceptKey(key), acceptKey('x')), /^Invalid Sec-WebSocket-Accept header$/],
    // Without both, node:http does not see an upgrade: a 101 that is not one (ws words it the same).
    ['a missing Upgrade header', (key: string) => ok(key).replace('Upgrade: websocket\r\n', ''), /^Unexpected server response: 101$/],
    ['a missing Connection header', (key: string) => ok(key).replace('Connection: Upgrade\r\n', ''), /^Unexpected server response: 101$/],
    ['an Upgrade other than websocket', (key: string) => ok(key).replace('Upgrade: websocket', 'Upgrade: h2c'), /^Invalid Upgrade header$/],
    ['a subprotocol not offered', (key: string) => ok(key, 'Sec-WebSocket-Protocol: other\r\n'), /^Server sent an invalid subprotocol$/],
    ['no subprotocol when one was offered', (key: string) => ok(key), /^Server sent no subprotocol$/],
    ['an extension when none was offered', (key: string) => ok(key, 'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate\r\n'), /^Server sent a Sec-WebSocket-Extensions header but no extension was requested$/, false],
    // By default the client offers permessage-deflate (as ws): an answer naming anything else fails it, with ws's words.
    ['an extension other than the one offered', (key: string) => ok(key, 'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: x-webkit-deflate-frame\r\n'), /^Server indicated an extension that was not requested$/, undefined],
    ['two extensions', (key: string) => ok(key, 'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate, permessage-deflate\r\n'), /^Server indicated an extension that was not requested$/, undefined],
    ['an extensions header that breaks the grammar', (key: string) => ok(key, 'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate;=\r\n'), /^Invalid Sec-WebSocket-Extensions header$/, undefined],
    ['a window the offer does not allow', (key: string) => ok(key, 'Sec-WebSocket-Protocol: chat\r\nSec-WebSocket-Extensions: permessage-deflate; client_max_window_bits=7\r\n'), /^Invalid Sec-WebSocket-Extensions header$/, undefined],
  ])('fails on %s', async (_name, response, message, perMessageDeflate?: boolean) => {
    const url = await fake(response as (key: string) => string);
    await expect(connect(url, { protocols: ['chat'], perMessageDeflate })).rejects.toThrow(message);
  });

  test("a refused extensions answer keeps what exactly was wrong as the error's cause", async () => {
    const url = await fake((key) => ok(key, 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=99\r\n'));
    const error = await connect(url).then(() => undefined, (e: Error) => e);
    expect(error?.message).toBe('Invalid Sec-WebSocket-Extensions header');
    expect(String((error?.cause as Error | undefined)?.message)).toMatch(/^Invalid Sec-WebSocket-Extensions header: ./);
  });

  test('a server that sends a masked frame is failed with 1002; one that sends a bad close code with 1002', async () => {
    for (const frame of [Buffer.from([0x81, 0x81, 1, 2, 3, 4, 0x61]), Buffer.from([0x88, 0x02, 0x03, 0xed])]) {
      const received: Buffer[] = [];
      const server = net.createServer((socket) => {
        socket.once('data', (data) => {
          const key = /Sec-WebSocket-Key: (\S+)/i.exec(String(data))![1];
          socket.write(Buffer.concat([Buffer.from(ok(key)), frame]));
          socket.on('data', (d) => received.push(d));
        });
        socket.on('error', () => {});
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
      const client = await connect(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
      const errors: Error[] = [];
      client.on('error', (e) => errors.push(e));
      const [code] = await next(client, 'close');
      expect(code).toBe(1006); // no close frame came back from the server
      expect(errors.length).toBe(1);
      // Our close frame (masked, as from a client) carries 1002.
      const sent = Buffer.concat(received);
      expect(sent[0]).toBe(0x88);
      const key = sent.subarray(2, 6);
      expect(((sent[6] ^ key[0]) << 8) | (sent[7] ^ key[1])).toBe(1002);
    }
  });

  test('fails when the server never answers (handshake timeout)', async () => {
    const url = await fake(() => '');
    await expect(connect(url, { handshakeTimeout: 100 })).rejects.toThrow(/timed out/);
  });

  test('fails when nothing listens', async () => {
    const { server, url } = await listen();
    await closeServer(server);
    await expect(connect(url)).rejects.toThrow(/ECONNREFUSED/);
  });
});
