/**
 * The client's ws-compatible handshake (ws's doc/ws.md): argument checks,
 * request options (headers, origin, auth and URL userinfo, agent,
 * createConnection, finishRequest, protocolVersion), ws+unix: URLs,
 * redirects, the 'upgrade', 'unexpected-response' and 'redirect' events,
 * handshakeTimeout, TLS options at the top level. The far end is the real ws
 * package behind a real http/https server on loopback (or a unix socket).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { io } from '../../src/codec/wasm.js';
import { WebSocket } from '../../src/server/index.js';
import { WS, cleanupsAfterEach, next } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** An http server on loopback with a real ws server attached; `upgrades` records each upgrade request. */
async function wsBehindHttp(wsOptions: Record<string, unknown> = {}, listen: (s: http.Server) => Promise<void> = (s) => new Promise((r) => s.listen(0, '127.0.0.1', r))) {
  const server = http.createServer();
  const wss = new WS.WebSocketServer({ noServer: true, ...wsOptions });
  const upgrades: http.IncomingMessage[] = [];
  server.on('upgrade', (req, socket, head) => {
    upgrades.push(req);
    wss.handleUpgrade(req, socket, head, (ws: { on: (e: string, f: (d: Buffer, b: boolean) => void) => void; send: (d: Buffer, o: object) => void }) => {
      ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary }));
    });
  });
  await listen(server);
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const address = server.address();
  const url = typeof address === 'string' ? '' : `ws://127.0.0.1:${(address as AddressInfo).port}`;
  return { server, url, upgrades };
}

/** Opens a client and waits for 'open' (rejecting on 'error'); closed after the test. */
function open(...args: ConstructorParameters<typeof WebSocket>): Promise<WebSocket> {
  const ws = new WebSocket(...args);
  cleanups.push(() => ws.terminate());
  return new Promise((resolve, reject) => {
    ws.once('open', () => resolve(ws));
    ws.once('error', reject);
  });
}

/** The 'error' and then the 'close' of a client whose handshake fails. */
async function failure(ws: WebSocket): Promise<{ error: Error; code: number }> {
  const [[error], [code]] = await Promise.all([next(ws, 'error'), next(ws, 'close')]);
  return { error, code };
}

describe('arguments', () => {
  test("bad URLs and subprotocols throw ws's SyntaxErrors at once", () => {
    expect(() => new WebSocket('not a url')).toThrow(/^Invalid URL: not a url$/);
    expect(() => new WebSocket('ftp://x')).toThrow(SyntaxError);
    expect(() => new WebSocket('ws://x/#frag')).toThrow('The URL contains a fragment identifier');
    for (const protocols of [null, '', 'a,b', ['a', 'a']]) {
      expect(() => new WebSocket('ws://127.0.0.1:1', protocols as string)).toThrow('An invalid or duplicated subprotocol was specified');
    }
    expect(() => new WebSocket('ws://127.0.0.1:1', { protocolVersion: 9 })).toThrow(RangeError);
  });
});

describe('the request', () => {
  test('headers, origin, URL userinfo (which wins over auth) and the offered subprotocols reach the server', async () => {
    const { url, upgrades } = await wsBehindHttp();
    const ws = await open(url.replace('ws://', 'ws://alice:secret@'), ['chat', 'v2'], { headers: { 'X-Trace': '7' }, origin: 'https://app.example', auth: 'bob:other' });
    const [req] = upgrades;
    expect(req.headers['x-trace']).toBe('7');
    expect(req.headers.origin).toBe('https://app.example');
    expect(req.headers.authorization).toBe(`Basic ${Buffer.from('alice:secret').toString('base64')}`);
    expect(req.headers['sec-websocket-protocol']).toBe('chat,v2');
    expect(ws.protocol).toBe('chat');
  });

  test('protocolVersion 8 sends Sec-WebSocket-Origin; the auth option alone gives Basic credentials', async () => {
    const { url, upgrades } = await wsBehindHttp();
    await open(url, { protocolVersion: 8, origin: 'https://old.example', auth: 'bob:pw' });
    expect(upgrades[0].headers['sec-websocket-version']).toBe('8');
    expect(upgrades[0].headers['sec-websocket-origin']).toBe('https://old.example');
    expect(upgrades[0].headers.authorization).toBe(`Basic ${Buffer.from('bob:pw').toString('base64')}`);
  });

  test('an agent carries the request; createConnection makes the socket; finishRequest ends the request', async () => {
    const { url, upgrades } = await wsBehindHttp();
    // An agent whose sockets are counted: the request must go through it.
    const viaAgent: unknown[] = [];
    class CountingAgent extends http.Agent {
      createConnection(...args: Parameters<http.Agent['createConnection']>) {
        viaAgent.push(args[0]);
        return super.createConnection(...args);
      }
    }
    const agent = new CountingAgent();
    cleanups.push(() => agent.destroy());
    const a = await open(url, { agent });
    expect(viaAgent.length).toBe(1);
    a.terminate();

    let made = 0;
    const port = Number(new URL(url).port);
    const b = await open('ws://example.invalid:1/', {
      createConnection: () => {
        made++;
        return net.connect(port, '127.0.0.1');
      },
      finishRequest: (req, ws) => {
        expect(ws).toBeInstanceOf(WebSocket);
        expect((ws as WebSocket)._req).toBe(req);
        req.setHeader('Cookie', 'late=1');
        req.end();
      },
    });
    expect(made).toBe(1);
    expect(upgrades[1].headers.host).toBe('example.invalid:1');
    expect(upgrades[1].headers.cookie).toBe('late=1');
    b.terminate();
  });

  test('ws+unix: URLs connect to a unix socket, with the request path after the colon', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'wsframe-unix-'));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'ws.sock');
    const { upgrades } = await wsBehindHttp({}, (s) => new Promise((r) => s.listen(path, r)));
    const ws = await open(`ws+unix:${path}:/room?x=1`);
    expect(upgrades[0].url).toBe('/room?x=1');
    ws.send('over a unix socket');
    expect(String((await next(ws, 'message'))[0])).toBe('over a unix socket');
  });

  test('after the upgrade the client reads straight into WASM memory', async () => {
    const { url } = await wsBehindHttp();
    const ws = await open(url);
    const kBuffer = Object.getOwnPropertySymbols(new net.Socket()).find((s) => s.description === 'kBuffer')!;
    expect((ws._socket as unknown as Record<symbol, unknown>)[kBuffer]).toBe(io);
    ws.send('x');
    expect(String((await next(ws, 'message'))[0])).toBe('x');
  });
});

describe('answers', () => {
  test("'upgrade' shows the 101 response before 'open'", async () => {
    const { url } = await wsBehindHttp();
    const ws = new WebSocket(url);
    cleanups.push(() => ws.terminate());
    const order: string[] = [];
    ws.on('upgrade', (res: http.IncomingMessage) => order.push(`upgrade ${res.statusCode}`));
    await next(ws, 'open');
    order.push('open');
    expect(order).toEqual(['upgrade 101', 'open']);
  });

  test("a refusal: 'unexpected-response' hands over the response (no error); without a listener, ws's error", async () => {
    const server = http.createServer();
    server.on('upgrade', (_req, socket) => socket.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 4\r\n\r\nnope'));
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

    const handled = new WebSocket(url);
    const errors: Error[] = [];
    handled.on('error', (error: Error) => errors.push(error));
    const body = await new Promise<string>((resolve) => {
      handled.on('unexpected-response', (_req: http.ClientRequest, res: http.IncomingMessage) => {
        let text = `${res.statusCode} `;
        res.on('data', (chunk: Buffer) => (text += chunk));
        res.on('end', () => resolve(text));
      });
    });
    expect(body).toBe('403 nope');
    expect(errors).toEqual([]);
    expect(handled.readyState).toBe(WebSocket.CONNECTING); // the response is the listener's to deal with
    handled.terminate();

    const { error, code } = await failure(new WebSocket(url));
    expect(error.message).toBe('Unexpected server response: 403');
    expect(code).toBe(1006);
  });

  test('redirects: not followed by default; followed with followRedirects (with the redirect event), up to maxRedirects', async () => {
    const target = await wsBehindHttp();
    const server = http.createServer();
    server.on('upgrade', (req, socket) => {
      const to = req.url === '/loop' ? '/loop' : `${target.url}/landed`;
      socket.end(`HTTP/1.1 302 Found\r\nLocation: ${to}\r\nContent-Length: 0\r\n\r\n`);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;

    expect((await failure(new WebSocket(url))).error.message).toBe('Unexpected server response: 302');

    const ws = new WebSocket(url, { followRedirects: true, headers: { Authorization: 'Bearer t', Cookie: 'a=1', 'X-Keep': 'k' } });
    cleanups.push(() => ws.terminate());
    const redirected = next(ws, 'redirect');
    await next(ws, 'open');
    const [redirectUrl] = await redirected;
    expect(redirectUrl).toBe(`${target.url}/landed`);
    expect(ws.url).toBe(`${target.url}/landed`);
    expect(ws._redirects).toBe(1);
    // Another host (another port): credentials and cookies stay behind, other headers come along.
    // (A 'redirect' listener was attached here, which keeps them: check with a listener-free client.)
    const plain = new WebSocket(url, { followRedirects: true, headers: { Authorization: 'Bearer t', Cookie: 'a=1', 'X-Keep': 'k' } });
    cleanups.push(() => plain.terminate());
    await next(plain, 'open');
    const last = target.upgrades[target.upgrades.length - 1];
    expect(last.headers.authorization).toBeUndefined();
    expect(last.headers.cookie).toBeUndefined();
    expect(last.headers['x-keep']).toBe('k');

    const looping = new WebSocket(`${url}/loop`, { followRedirects: true, maxRedirects: 3 });
    const { error } = await failure(looping);
    expect(error.message).toBe('Maximum redirects exceeded');
    expect(looping._redirects).toBe(4);
  });

  test("handshakeTimeout: a silent server fails the handshake with ws's message", async () => {
    // Reads (so it sees the client go) but never answers.
    const server = net.createServer((socket) => socket.on('error', () => {}).resume());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
    const ws = new WebSocket(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`, { handshakeTimeout: 100 });
    const { error, code } = await failure(ws);
    expect(error.message).toBe('Opening handshake has timed out');
    expect(code).toBe(1006);
  });

  test('close() while connecting ends the handshake with ws\'s error, then close 1006', async () => {
    const { url } = await wsBehindHttp();
    const ws = new WebSocket(url);
    ws.close();
    const { error, code } = await failure(ws);
    expect(error.message).toBe('WebSocket was closed before the connection was established');
    expect(code).toBe(1006);
  });

  test('perMessageDeflate is offered through http.request and the agreed answer is used', async () => {
    const { url, upgrades } = await wsBehindHttp({ perMessageDeflate: true });
    let answer: string | undefined;
    const ws = new WebSocket(url, { perMessageDeflate: { mode: 'shared' } });
    ws.on('upgrade', (res: http.IncomingMessage) => (answer = res.headers['sec-websocket-extensions']));
    cleanups.push(() => ws.terminate());
    await next(ws, 'open');
    const offer = upgrades[0].headers['sec-websocket-extensions'];
    expect(offer).toMatch(/^permessage-deflate;/);
    expect(offer).toContain('client_no_context_takeover');
    expect(answer).toMatch(/^permessage-deflate\b/);
    expect(ws.extensions).toBe(answer);
    const text = 'compressible '.repeat(400);
    ws.send(text);
    const [data] = await next(ws, 'message');
    expect(String(data)).toBe(text);
  });

  test("by default the client makes ws's offer (context takeover both ways); perMessageDeflate: false offers nothing", async () => {
    const { url, upgrades } = await wsBehindHttp({ perMessageDeflate: true });
    const byDefault = await open(url);
    expect(upgrades[0].headers['sec-websocket-extensions']).toBe('permessage-deflate; client_max_window_bits');
    expect(byDefault.extensions).toMatch(/^permessage-deflate\b/);
    const text = 'compressible '.repeat(400);
    byDefault.send(text);
    expect(String((await next(byDefault, 'message'))[0])).toBe(text);
    const none = await open(url, { perMessageDeflate: false });
    expect(upgrades[1].headers['sec-websocket-extensions']).toBeUndefined();
    expect(none.extensions).toBe('');
  });
});

test('wss:// with TLS options at the top level (ca, servername), as ws takes them', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost'], { stdio: 'ignore' });
  const cert = readFileSync(join(dir, 'cert.pem'));
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert });
  const wss = new WS.WebSocketServer({ server });
  wss.on('connection', (ws: { on: (e: string, f: (d: Buffer) => void) => void; send: (d: string) => void }) => ws.on('message', (d) => ws.send(`tls ${d}`)));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => new Promise<void>((resolve) => wss.close(() => resolve())));
  const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;

  // Without trust in the self-signed certificate the handshake fails with the TLS error.
  const { error } = await failure(new WebSocket(url, { servername: 'localhost' }));
  expect(error.message).toMatch(/self[- ]signed/i);

  const ws = await open(url, { ca: cert, servername: 'localhost' });
  ws.send('hi');
  expect(String((await next(ws, 'message'))[0])).toBe('tls hi');
});
