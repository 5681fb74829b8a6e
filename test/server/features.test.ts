/** Heartbeat, TLS (wss:// through https + handleUpgrade), send callbacks, pause/resume. */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { io } from '../../src/codec/index.js';
import { WebSocket, WebSocketServer, connect } from '../../src/server/index.js';
import { Fuzzer, frame, sleep } from './fuzzer.js';
import { WS, cleanupsAfterEach, closeServer, connectedPair, echoServer, echoServerUntil, listen, next } from './helpers.js';

const cleanups = cleanupsAfterEach();

test('heartbeat: pings every client, terminates one that does not answer, keeps one that does', async () => {
  const s = await listen({ heartbeat: 100 });
  cleanups.push(() => closeServer(s.server));
  const sockets: WebSocket[] = [];
  s.server.on('connection', (ws) => sockets.push(ws));
  const live = new WS(s.url); // ws answers pings
  await next(live, 'open');
  cleanups.push(() => live.terminate());
  const silent = await Fuzzer.open(s.port); // never answers
  cleanups.push(() => silent.destroy());
  while (sockets.length < 2) await sleep(5);
  const closed = await silent.until(() => silent.closed, 2000);
  expect(closed).toBe(true);
  expect(silent.frames.some((f) => f.opcode === 9)).toBe(true);
  for (let i = 0; i < 100 && s.server.clients.size > 1; i++) await sleep(5);
  expect(s.server.clients.size).toBe(1);
  await sleep(250); // more heartbeats: the live client keeps answering
  expect(live.readyState).toBe(WS.OPEN);
  expect(s.server.clients.size).toBe(1);
});

test('send callbacks run after the write; on a closed connection they get an error', async () => {
  const s = await echoServerUntil(cleanups);
  const client = await connect(s.url);
  const error = await new Promise((resolve) => client.send('x', resolve));
  expect(error).toBeUndefined();
  client.terminate();
  await next(client, 'close');
  const late = await new Promise((resolve) => client.send('y', resolve));
  expect(late).toBeInstanceOf(Error);
});

test('pause() stops message delivery until resume()', async () => {
  const { ours: socket, theirs: client } = await connectedPair(cleanups);
  const got: string[] = [];
  socket.on('message', (data) => got.push(String(data)));
  socket.pause();
  client.send('a');
  await sleep(100);
  expect(got).toEqual([]);
  socket.resume();
  while (got.length === 0) await sleep(5);
  expect(got).toEqual(['a']);
});

test('wss://: an https server with handleUpgrade (TLS sockets use the data-event path), both clients', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'wsframe-tls-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', join(dir, 'key.pem'), '-out', join(dir, 'cert.pem'), '-days', '1', '-subj', '/CN=localhost'], { stdio: 'ignore' });
  const server = https.createServer({ key: readFileSync(join(dir, 'key.pem')), cert: readFileSync(join(dir, 'cert.pem')) });
  const wss = new WebSocketServer({ server });
  wss.on('connection', (ws) => ws.on('message', (data, isBinary) => ws.send(data, { binary: isBinary })));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => closeServer(wss));
  const url = `wss://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const theirs = new WS(url, { rejectUnauthorized: false });
  await next(theirs, 'open');
  theirs.send(Buffer.alloc(200_000, 7));
  const [echoed] = await next(theirs, 'message');
  expect(echoed.length).toBe(200_000);
  theirs.close();
  const ours = await connect(url, { tls: { rejectUnauthorized: false } });
  ours.send('secure');
  expect(String((await next(ours, 'message'))[0])).toBe('secure');
  ours.close(1000);
  expect((await next(ours, 'close'))[0]).toBe(1000);
});

test('reads land in WASM memory: accepted and http-upgraded sockets read into the I/O region', async () => {
  const kBuffer = Object.getOwnPropertySymbols(new net.Socket()).find((s) => s.description === 'kBuffer')!;
  const own = await echoServer();
  cleanups.push(() => closeServer(own.server));
  const accepted = next(own.server, 'connection');
  const a = new WS(own.url);
  cleanups.push(() => a.terminate());
  const [ws] = (await accepted) as [WebSocket];
  expect((ws._socket as unknown as Record<symbol, unknown>)[kBuffer]).toBe(io);

  const server = http.createServer();
  const wss = new WebSocketServer({ server });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  cleanups.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  cleanups.push(() => closeServer(wss));
  const upgraded = next(wss, 'connection');
  const b = new WS(`ws://127.0.0.1:${(server.address() as AddressInfo).port}`);
  cleanups.push(() => b.terminate());
  const [ws2] = (await upgraded) as [WebSocket];
  expect((ws2._socket as unknown as Record<symbol, unknown>)[kBuffer]).toBe(io);
  // And the connection works on that path.
  await next(b, 'open');
  ws2.on('message', (data) => ws2.send(data));
  b.send('in place');
  expect(String((await next(b, 'message'))[0])).toBe('in place');
});

test('a protocol error on one connection leaves another, mid-message, intact', async () => {
  const s = await echoServerUntil(cleanups);
  const good = await Fuzzer.open(s.port);
  const bad = await Fuzzer.open(s.port);
  cleanups.push(() => good.destroy(), () => bad.destroy());
  const message = Buffer.alloc(1 << 20, 0x61);
  const whole = frame(1, message);
  const half = whole.length >> 1;
  good.send(whole.subarray(0, half));
  await sleep(20);
  bad.send(Buffer.concat([frame(1, 'ok'), frame(1, Buffer.from([0xff, 0xfe])), frame(3, 'reserved')]));
  expect(await bad.until(() => bad.closed)).toBe(true);
  expect(bad.closeFrames()[0].payload.readUInt16BE(0)).toBe(1007);
  good.send(whole.subarray(half));
  expect(await good.until(() => good.messages().length === 1)).toBe(true);
  expect(good.messages()[0][1].equals(message)).toBe(true);
});

test("drain: emitted when a backed-up connection's socket empties", async () => {
  const { ours: ws, theirs: client } = await connectedPair(cleanups, { highWaterMark: 64 * 1024 });
  client._socket.pause();
  for (let i = 0; i < 100; i++) ws.send(Buffer.alloc(64 * 1024));
  await sleep(50);
  expect(ws.bufferedAmount).toBeGreaterThan(64 * 1024);
  const drained = next(ws, 'drain');
  client._socket.resume();
  await drained;
  expect(ws.bufferedAmount).toBe(0);
});

test('a message sent with the 101 response reaches a listener added after `await connect()`', async () => {
  const s = await listen();
  cleanups.push(() => closeServer(s.server));
  s.server.on('connection', (ws) => ws.send('welcome'));
  for (let i = 0; i < 20; i++) {
    const client = await connect(s.url);
    const [data] = await next(client, 'message');
    expect(String(data)).toBe('welcome');
    client.terminate();
  }
});
