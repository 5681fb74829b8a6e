/**
 * WebSocketServer's ws-compatible API (ws's doc/ws.md): constructor checks,
 * option warnings, client tracking, shouldHandle, the WebSocket option, the
 * 'headers' and 'wsClientError' events, status lines, close on a closed
 * server, address(), handleUpgrade over http and over a plain Duplex.
 * Peers are real: Node's http client, raw sockets and the ws package.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';
import { describe, expect, test } from 'vitest';
import { WebSocket, WebSocketServer } from '../../src/server/index.js';
import { WS, cleanupsAfterEach, closeServer, listen, next, raw, upgradeRequest } from './helpers.js';

const cleanups = cleanupsAfterEach();

async function server(options = {}) {
  const s = await listen(options);
  cleanups.push(() => closeServer(s.server));
  return s;
}

/** Collects process warnings emitted while `body` runs (and a tick after). */
async function warningsDuring(body: () => void): Promise<string[]> {
  const seen: string[] = [];
  const onWarning = (warning: Error): void => void seen.push(warning.message);
  process.on('warning', onWarning);
  try {
    body();
    await new Promise((resolve) => setImmediate(resolve));
  } finally {
    process.off('warning', onWarning);
  }
  return seen;
}

describe('constructor', () => {
  const message = /^One and only one of the "port", "server", or "noServer" options must be specified$/;

  test('needs exactly one of port, server and noServer, with ws\'s TypeError', () => {
    const httpServer = http.createServer();
    for (const options of [undefined, {}, { port: 0, noServer: true }, { port: 0, server: httpServer }, { server: httpServer, noServer: true }]) {
      expect(() => new WebSocketServer(options as never)).toThrow(TypeError);
      expect(() => new WebSocketServer(options as never)).toThrow(message);
    }
  });

  test('an option nobody knows is reported once as a warning, and known ones are silent', async () => {
    const seen = await warningsDuring(() => {
      new WebSocketServer({ noServer: true, maxPayload: 10, perMessageDeflate: false, clientTracking: true } as never);
      new WebSocketServer({ noServer: true, verifyClinet: () => true } as never);
      new WebSocketServer({ noServer: true, verifyClinet: () => true } as never);
    });
    expect(seen).toEqual(['WebSocketServer: unknown option "verifyClinet" is ignored']);
  });

  test('heartbeat needs clientTracking', () => {
    expect(() => new WebSocketServer({ noServer: true, clientTracking: false, heartbeat: 1000 })).toThrow(TypeError);
  });

  test('options are exposed with the class of connections filled in', () => {
    const wss = new WebSocketServer({ noServer: true, path: '/x' });
    expect(wss.options.path).toBe('/x');
    expect(wss.options.WebSocket).toBe(WebSocket);
  });
});

describe('client tracking', () => {
  test('clientTracking: false leaves no clients set; broadcast refuses loudly; close still completes', async () => {
    const { server: wss, url } = await listen({ clientTracking: false });
    expect(wss.clients).toBeUndefined();
    expect(() => wss.broadcast('hello')).toThrow(/clientTracking/);
    const client = new WS(url);
    const [ws] = await next(wss, 'connection');
    await next(client, 'open');
    const closed = next(wss, 'close');
    wss.close();
    // The server does not know its connections: they stay open until their peers end them.
    expect(ws.readyState).toBe(WebSocket.OPEN);
    client.close();
    await closed;
  });
});

describe('routing and handshake hooks', () => {
  test('shouldHandle follows the path option and ignores the query', () => {
    const wss = new WebSocketServer({ noServer: true, path: '/chat' });
    expect(wss.shouldHandle({ url: '/chat?room=1' } as http.IncomingMessage)).toBe(true);
    expect(wss.shouldHandle({ url: '/chatroom' } as http.IncomingMessage)).toBe(false);
    expect(new WebSocketServer({ noServer: true }).shouldHandle({ url: '/anything' } as http.IncomingMessage)).toBe(true);
  });

  test('the WebSocket option picks the class of accepted connections', async () => {
    class Tagged extends WebSocket {
      get tag(): string {
        return 'tagged';
      }
    }
    const { server: wss, url } = await server({ WebSocket: Tagged });
    const client = new WS(url);
    const [ws] = await next(wss, 'connection');
    expect(ws).toBeInstanceOf(Tagged);
    expect(ws.tag).toBe('tagged');
    await next(client, 'open');
    client.terminate();
  });

  test("'headers' shows the 101's lines before they are sent, and a listener may add one; req is an IncomingMessage", async () => {
    const { server: wss, url } = await server();
    wss.on('headers', (lines: string[], req: http.IncomingMessage) => {
      expect(req).toBeInstanceOf(http.IncomingMessage);
      expect(req.url).toBe('/room?x=1');
      expect(lines.slice(0, 3)).toEqual(['HTTP/1.1 101 Switching Protocols', 'Upgrade: websocket', 'Connection: Upgrade']);
      lines.push('Set-Cookie: session=abc');
    });
    const client = new WS(`${url}/room?x=1`);
    const opened = next(client, 'open');
    const [response] = await next(client, 'upgrade');
    expect(response.headers['set-cookie']).toEqual(['session=abc']);
    await opened;
    client.terminate();
  });

  test("'wsClientError' hands a malformed request to the listener instead of answering it", async () => {
    const { server: wss, port } = await server();
    wss.on('wsClientError', (error: Error, socket: Duplex, req: http.IncomingMessage) => {
      expect(error.message).toBe('Missing or invalid Sec-WebSocket-Key header');
      expect(req.headers['sec-websocket-key']).toBe('short');
      socket.end('HTTP/1.1 418 I\'m a Teapot\r\nContent-Length: 0\r\n\r\n');
    });
    const response = await raw(port, upgradeRequest({ 'Sec-WebSocket-Key': 'short' }));
    expect(response.startsWith("HTTP/1.1 418 I'm a Teapot\r\n")).toBe(true);
    // A path mismatch is not the client's malformed request: answered directly, as ws.
    const other = await listen({ path: '/only' });
    cleanups.push(() => closeServer(other.server));
    other.server.on('wsClientError', () => expect.unreachable());
    expect((await raw(other.port, upgradeRequest({}, 'GET /elsewhere HTTP/1.1'))).startsWith('HTTP/1.1 400 Bad Request\r\n')).toBe(true);
  });

  test('refusals carry the status line of http.STATUS_CODES, and its text as the default body', async () => {
    const { port } = await server({
      verifyClient: (_info: unknown, cb: (ok: boolean, code?: number) => void) => cb(false, 429),
    });
    const response = await raw(port, upgradeRequest());
    expect(response.startsWith('HTTP/1.1 429 Too Many Requests\r\n')).toBe(true);
    expect(response.endsWith('\r\n\r\nToo Many Requests')).toBe(true);
  });

  test('verifyClient sees Sec-WebSocket-Origin as the origin of a version 8 client', async () => {
    const origins: (string | undefined)[] = [];
    const { port } = await server({ verifyClient: ({ origin }: { origin?: string }) => (origins.push(origin), false) });
    await raw(port, upgradeRequest({ 'Sec-WebSocket-Version': '8', 'Sec-WebSocket-Origin': 'https://old.example' }));
    await raw(port, upgradeRequest({ Origin: 'https://new.example' }));
    expect(origins).toEqual(['https://old.example', 'https://new.example']);
  });

  test('handleProtocols answering a subprotocol the client did not offer is refused with 500 and a warning', async () => {
    const { port } = await server({ handleProtocols: () => 'not-offered' });
    const seen: string[] = [];
    const onWarning = (warning: Error): void => void seen.push(warning.message);
    process.on('warning', onWarning);
    const response = await raw(port, upgradeRequest({ 'Sec-WebSocket-Protocol': 'chat' }));
    process.off('warning', onWarning);
    expect(response.startsWith('HTTP/1.1 500 Internal Server Error\r\n')).toBe(true);
    expect(seen.some((m) => m.includes('"not-offered"'))).toBe(true);
  });
});

describe('lifecycle', () => {
  test('close(cb) on a closed server calls cb with ws\'s error and emits close again', async () => {
    const wss = new WebSocketServer({ noServer: true });
    await new Promise<void>((resolve) => wss.close(() => resolve()));
    const closeEvent = next(wss, 'close');
    const error = await new Promise<Error | undefined>((resolve) => wss.close(resolve));
    expect(error?.message).toBe('The server is not running');
    await closeEvent;
  });

  test.each(['port', 'server', 'noServer'] as const)('close(cb) again while closing and after closed (%s): every callback runs, as in ws', async (mode) => {
    /** Closes `wss` four ways in turn and logs each callback's error and each 'close' event, in the order they come. */
    async function closeTwiceAndAgain(wss: { close(cb?: (error?: Error) => void): void; on(event: 'close', f: () => void): void }): Promise<string[]> {
      const log: string[] = [];
      wss.on('close', () => log.push('close event'));
      const closing = (name: string) => new Promise<void>((resolve) => wss.close((error) => {
        log.push(`${name}: ${error?.message ?? 'no error'}`);
        resolve();
      }));
      await Promise.all([closing('first'), closing('while closing')]);
      await closing('after closed');
      wss.close();
      await closing('after a close without callback');
      return log;
    }
    const make = async (Server: typeof WebSocketServer): Promise<WebSocketServer> => {
      if (mode === 'noServer') return new Server({ noServer: true });
      if (mode === 'port') {
        const wss = new Server({ port: 0, host: '127.0.0.1' });
        await next(wss, 'listening');
        return wss;
      }
      const httpServer = http.createServer();
      cleanups.push(() => void httpServer.close());
      await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
      return new Server({ server: httpServer });
    };
    const ours = await closeTwiceAndAgain(await make(WebSocketServer));
    const theirs = await closeTwiceAndAgain(await make(WS.WebSocketServer));
    expect(ours).toEqual(theirs);
    expect(ours).toContain('after closed: The server is not running');
  }, 10_000);

  test('address(): the listener\'s, an error in noServer mode, null once closed', async () => {
    const { server: wss, port } = await listen();
    expect((wss.address() as AddressInfo).port).toBe(port);
    await closeServer(wss);
    expect(wss.address()).toBeNull();
    expect(() => new WebSocketServer({ noServer: true }).address()).toThrow('The server is operating in "noServer" mode');
  });

  test("a given http server: its 'listening' and 'error' are forwarded, its listeners removed at close, it stays open", async () => {
    const httpServer = http.createServer();
    const before = { listening: httpServer.listenerCount('listening'), error: httpServer.listenerCount('error') };
    const wss = new WebSocketServer({ server: httpServer });
    const listening = next(wss, 'listening');
    httpServer.listen(0, '127.0.0.1');
    await listening;
    const errored = next(wss, 'error');
    httpServer.emit('error', new Error('boom'));
    expect((await errored)[0].message).toBe('boom');
    await closeServer(wss);
    expect(httpServer.listenerCount('listening')).toBe(before.listening);
    expect(httpServer.listenerCount('error')).toBe(before.error);
    expect(httpServer.listenerCount('upgrade')).toBe(0);
    expect(httpServer.listening).toBe(true);
    await new Promise((resolve) => httpServer.close(resolve));
  });

  test('an upgrade reaching a closing server gets 503', async () => {
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    httpServer.on('upgrade', (req, socket, head) => {
      wss.close();
      wss.handleUpgrade(req, socket, head, () => expect.unreachable());
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => httpServer.close(() => resolve())));
    const response = await raw((httpServer.address() as AddressInfo).port, upgradeRequest());
    expect(response.startsWith('HTTP/1.1 503 Service Unavailable\r\n')).toBe(true);
  });

  test('handleUpgrade twice with one socket throws, as a misconfiguration', async () => {
    const httpServer = http.createServer();
    const wss = new WebSocketServer({ noServer: true });
    const thrown = new Promise<Error>((resolve) => {
      httpServer.on('upgrade', (req, socket, head) => {
        wss.handleUpgrade(req, socket, head, (ws) => {
          try {
            wss.handleUpgrade(req, socket, head, () => expect.unreachable());
          } catch (error) {
            resolve(error as Error);
          }
          ws.terminate();
        });
      });
    });
    await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((resolve) => httpServer.close(() => resolve())));
    const client = new WS(`ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`);
    client.on('error', () => {});
    expect((await thrown).message).toMatch(/called more than once with the same socket/);
  });
});

/** Two Duplex ends joined to each other, like a socket pair without the kernel. */
function duplexPair(): [Duplex, Duplex] {
  const make = (): Duplex & { peer?: Duplex } =>
    new Duplex({
      read() {},
      write(chunk, _encoding, callback) {
        (this as Duplex & { peer: Duplex }).peer.push(chunk);
        callback();
      },
      final(callback) {
        (this as Duplex & { peer: Duplex }).peer.push(null);
        callback();
      },
    });
  const a = make();
  const b = make();
  a.peer = b;
  b.peer = a;
  return [a, b];
}

test('handleUpgrade over any Duplex: the 101, then frames both ways', async () => {
  const wss = new WebSocketServer({ noServer: true });
  const [serverEnd, clientEnd] = duplexPair();
  const req = new http.IncomingMessage(null as never);
  req.method = 'GET';
  req.url = '/';
  req.httpVersion = '1.1';
  req.headers = { host: 'x', upgrade: 'websocket', connection: 'Upgrade', 'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==', 'sec-websocket-version': '13' };
  req.rawHeaders = Object.entries(req.headers).flat() as string[];
  const received: Buffer[] = [];
  clientEnd.on('data', (chunk: Buffer) => received.push(chunk));
  const opened = new Promise<WebSocket>((resolve) => wss.handleUpgrade(req, serverEnd, Buffer.alloc(0), resolve));
  const ws = await opened;
  ws.on('message', (data: Buffer) => ws.send(`echo ${data}`));
  // A masked text frame "hi" (mask key 0).
  clientEnd.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]));
  for (let i = 0; i < 100 && !Buffer.concat(received).includes('echo hi'); i++) await new Promise((r) => setTimeout(r, 5));
  const text = Buffer.concat(received).toString('latin1');
  expect(text.startsWith('HTTP/1.1 101 Switching Protocols\r\n')).toBe(true);
  expect(text.endsWith('\x81\x07echo hi')).toBe(true);
  ws.terminate();
});
