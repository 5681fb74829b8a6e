/**
 * permessage-deflate over loopback against the real ws package, both
 * directions: wsframe server with ws clients, wsframe client with ws servers,
 * across the parameter combinations (context takeover each way, window bits
 * 8–15), messages of 0 B to 16 MiB, fragmented and not, compressed both ways.
 * Then: what was agreed shows in `extensions`, broadcast compresses once,
 * `compress: false`, the handshake's edge cases and a zip bomb over the wire.
 */
import { afterAll, describe, expect, test } from 'vitest';
import { WebSocket, type WebSocketServer } from '../../src/server/index.js';
import { agreed, inflatedMessages } from './deflate-peer.js';
import { Fuzzer } from './fuzzer.js';
import { WS, bytes, closeServer, echoServer, next, wsServer } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
/** Empty messages first and between others (a kept compressor then has nothing left to flush). */
const SIZES = [0, 1, 0, 125, 1023, 1024, 4096, 65_535, 70_000, 1 << 20];
const json = (n: number): Buffer => Buffer.from('{"id":12,"user":"ada","tags":["x","y"],"ok":true},'.repeat(Math.ceil(n / 48) + 1).slice(0, n));

/** Sends every size as text and binary, fragmented for the larger ones, and expects exact echoes. */
async function roundTrips(send: (data: Buffer, options: { binary: boolean; fin?: boolean }) => void, received: Buffer[][]): Promise<void> {
  const expected: Buffer[] = [];
  for (const n of SIZES) {
    const data = json(n);
    send(data, { binary: false });
    send(data, { binary: true });
    expected.push(data, data);
  }
  // A fragmented, compressed message: three sends of one message.
  const parts = [json(3000), json(10), json(5000)];
  parts.forEach((p, i) => send(p, { binary: true, fin: i === parts.length - 1 }));
  expected.push(Buffer.concat(parts));
  const deadline = Date.now() + 20_000;
  while (received[0].length < expected.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  expect(received[0].length).toBe(expected.length);
  received[0].forEach((got, i) => expect(got.equals(expected[i]), `message ${i}`).toBe(true));
}

const combos: Record<string, unknown>[] = [
  {},
  { serverNoContextTakeover: true },
  { clientNoContextTakeover: true },
  { serverNoContextTakeover: true, clientNoContextTakeover: true },
  ...[8, 9, 10, 11, 12, 13, 14, 15].map((b) => ({ serverMaxWindowBits: b, clientMaxWindowBits: b })),
];

describe('wsframe server, ws client', () => {
  const servers: WebSocketServer[] = [];
  afterAll(async () => {
    for (const s of servers) await closeServer(s);
  });

  for (const mode of ['shared', 'dedicated'] as const) {
    test.each(combos)(`${mode} mode, ws client offers %o`, async (offer) => {
      const { server, url } = await echoServer({ perMessageDeflate: { mode, threshold: 0 } });
      servers.push(server);
      const client = new WS(url, { perMessageDeflate: { ...offer, threshold: 0 } });
      const received: Buffer[][] = [[]];
      client.on('message', (data: Buffer) => received[0].push(Buffer.from(data)));
      await next(client, 'open');
      expect(client.extensions).toMatch(/^permessage-deflate/);
      // Echoes come back compressed: the first read starts with a frame with RSV1.
      const firstBytes: number[] = [];
      client._socket.prependListener('data', (chunk: Buffer) => firstBytes.push(chunk[0]));
      const [serverWs] = [...server.clients];
      // ws reports only the name; wsframe the agreed header, as browsers do.
      expect(serverWs.extensions).toMatch(/^permessage-deflate/);
      if (mode === 'shared') expect(serverWs.extensions).toContain('server_no_context_takeover; client_no_context_takeover');
      await roundTrips((data, options) => client.send(data, { ...options, compress: true }), received);
      expect(firstBytes[0] & 0x40).toBe(0x40);
      client.close();
      await next(client, 'close');
    });
  }

  test('a 16 MiB message each way, context takeover (dedicated)', async () => {
    const { server, url } = await echoServer({ perMessageDeflate: { mode: 'dedicated' } });
    servers.push(server);
    const client = new WS(url, { perMessageDeflate: true, maxPayload: 0 });
    await next(client, 'open');
    const data = json(16 * 1024 * 1024);
    client.send(data);
    const [echo] = await next(client, 'message');
    expect(Buffer.compare(echo, data)).toBe(0);
    client.close();
  });

  test('perMessageDeflate: true is dedicated mode: the answer ws gives, and a repeated message costs a few bytes (context takeover)', async () => {
    const { server, url } = await echoServer({ perMessageDeflate: true });
    servers.push(server);
    const client = new WS(url, { perMessageDeflate: true });
    await next(client, 'open');
    expect([...server.clients][0].extensions).toBe('permessage-deflate');
    const wire: number[] = [];
    client._socket.prependListener('data', (chunk: Buffer) => wire.push(chunk.length));
    const data = Buffer.from(bytes(3072, 7).toString('base64')); // 4 KiB of text that only compresses against itself once sent
    for (let i = 0; i < 2; i++) {
      client.send(data);
      const [echo] = await next(client, 'message');
      expect(Buffer.compare(echo, data)).toBe(0);
    }
    // The second echo refers back to the first (matches of at most 258 bytes: 16 of them), not to itself.
    expect(wire).toHaveLength(2);
    expect(wire[1]).toBeLessThan(wire[0] / 2);
    client.close();
  });

  /** A server with deflate on in shared mode and three ws clients: two offering it, one not. */
  async function threeClients() {
    const { server, url } = await echoServer({ perMessageDeflate: { mode: 'shared' } });
    servers.push(server);
    const a = new WS(url, { perMessageDeflate: true });
    const b = new WS(url, { perMessageDeflate: true });
    const c = new WS(url, { perMessageDeflate: false });
    await Promise.all([a, b, c].map((ws) => next(ws, 'open')));
    return { server, a, b, c };
  }

  test('broadcast compresses once for every shared-mode receiver; others get it plain', async () => {
    const { server, a, b, c } = await threeClients();
    const payloads = [a, b, c].map((ws) => next(ws, 'message'));
    const frames: number[] = [];
    for (const ws of [a, b, c]) ws._socket.prependListener('data', (chunk: Buffer) => frames.push(chunk[0]));
    const data = json(20_000);
    server.broadcast(data.toString());
    for (const [got] of await Promise.all(payloads)) expect(got.toString()).toBe(data.toString());
    expect(frames.sort()).toEqual([0x81, 0xc1, 0xc1]);
    for (const ws of [a, b, c]) ws.close();
  });

  test('publish compresses for shared-mode subscribers, and plain subscribers get it uncompressed, in order', async () => {
    const { server, a, b, c } = await threeClients();
    for (const ws of server.clients) ws.subscribe('news');
    const big = json(20_000).toString();
    const small = json(5_000).toString();
    const received = [a, b, c].map((ws) => new Promise<string[]>((resolve) => {
      const got: string[] = [];
      ws.on('message', (data: Buffer) => got.push(data.toString()) === 3 && resolve(got));
    }));
    const firstBytes = [a, b, c].map((ws) => new Promise<number>((resolve) => ws._socket.prependOnceListener('data', (chunk: Buffer) => resolve(chunk[0]))));
    expect(server.publish('news', big).delivered).toBe(3);
    expect(server.publish('news', 'tiny').delivered).toBe(3);
    expect(server.publish('news', small).delivered).toBe(3);
    for (const got of await Promise.all(received)) expect(got).toEqual([big, 'tiny', small]);
    expect(await Promise.all(firstBytes)).toEqual([0xc1, 0xc1, 0x81]);
    for (const ws of [a, b, c]) ws.close();
  });

  test('publish compresses per subscriber with context takeover (dedicated mode), in order with plain ones; compress: false sends it plain', async () => {
    const { server, port } = await echoServer({ perMessageDeflate: { mode: 'dedicated' } });
    servers.push(server);
    const subscribers = await Promise.all([0, 1].map(() => Fuzzer.open(port, 'Sec-WebSocket-Extensions: permessage-deflate\r\n')));
    for (const ws of server.clients) ws.subscribe('news');
    const messages = ['tiny', json(20_000).toString(), 'small', json(30_000).toString(), json(20_000).toString(), json(5000).toString()];
    // The last one with compress: false goes out plain.
    messages.forEach((m, i) => expect(server.publish('news', m, { compress: i < messages.length - 1 }).delivered).toBe(2));
    for (const f of subscribers) {
      const a = agreed(f.response)!;
      expect(a.serverTakeover).toBe(true);
      expect(await f.until(() => f.frames.length === messages.length)).toBe(true);
      // Inflated with the context of the messages before: each subscriber's own compressor.
      const got = inflatedMessages(f, a);
      expect(got.map(([, , data]) => data.toString())).toEqual(messages);
      expect(got.map(([, compressed]) => compressed)).toEqual([false, true, false, true, true, false]);
      f.destroy();
    }
  });

  test('compress: false and messages below the threshold go out as they are', async () => {
    const { server, url } = await echoServer({ perMessageDeflate: { threshold: 100 } });
    servers.push(server);
    const client = new WS(url, { perMessageDeflate: true });
    await next(client, 'open');
    const [serverWs] = [...server.clients];
    const firstBytes: number[] = [];
    client._socket.prependListener('data', (chunk: Buffer) => firstBytes.push(chunk[0]));
    serverWs.send('short');
    await next(client, 'message');
    serverWs.send(json(500).toString(), { compress: false });
    await next(client, 'message');
    serverWs.send(json(500).toString());
    await next(client, 'message');
    expect(firstBytes).toEqual([0x81, 0x81, 0xc1]);
    client.close();
  });

  test('offers the server cannot take are declined, a malformed header is 400', async () => {
    const { server, url } = await echoServer({ perMessageDeflate: { mode: 'dedicated', clientMaxWindowBits: 10 } });
    servers.push(server);
    // ws offers client_max_window_bits only if asked; without it, the required limit cannot be honoured.
    const declined = new WS(url, { perMessageDeflate: { clientMaxWindowBits: 0 } });
    await next(declined, 'open');
    expect(declined.extensions).toBe('');
    declined.close();
    const bad = new WS(url, { headers: { 'Sec-WebSocket-Extensions': 'permessage-deflate; =x' }, perMessageDeflate: false });
    const [error] = await next(bad, 'error');
    expect(String(error.message)).toMatch(/400/);
  });

  test('a zip bomb over the wire closes with 1009 (maxPayload applies to the inflated size)', async () => {
    const { server, url } = await echoServer({ perMessageDeflate: true, maxPayload: 1024 * 1024 });
    servers.push(server);
    const client = new WS(url, { perMessageDeflate: { threshold: 0 }, maxPayload: 0 });
    await next(client, 'open');
    const closed = next(client, 'close');
    client.send(Buffer.alloc(32 * 1024 * 1024));
    const [code] = await closed;
    expect(code).toBe(1009);
  });
});

describe('wsframe client, ws server', () => {
  for (const mode of ['shared', 'dedicated'] as const) {
    test.each(combos)(`${mode} mode against a ws server with %o`, async (serverOptions) => {
      const { server, url } = await wsServer({ perMessageDeflate: { ...serverOptions, threshold: 0 } });
      server.on('connection', (ws: any) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
      try {
        const bits = (serverOptions as { serverMaxWindowBits?: number }).serverMaxWindowBits;
        const client = new WebSocket(url, { perMessageDeflate: { mode, threshold: 0, ...(bits ? { clientMaxWindowBits: bits } : {}) } });
        const received: Buffer[][] = [[]];
        client.on('message', (data) => received[0].push(Buffer.from(data)));
        await next(client, 'open');
        expect(client.extensions).toMatch(/^permessage-deflate/);
        await roundTrips((data, options) => client.send(data, options), received);
        client.close();
        await next(client, 'close');
      } finally {
        await closeServer(server);
      }
    });
  }

  test('an answer the client did not allow fails the connection', async () => {
    const { server, url } = await wsServer({ perMessageDeflate: true });
    server.on('headers', (headers: string[]) => {
      const i = headers.findIndex((h) => h.startsWith('Sec-WebSocket-Extensions'));
      headers[i] = 'Sec-WebSocket-Extensions: permessage-deflate; server_max_window_bits=20';
    });
    try {
      const client = new WebSocket(url, { perMessageDeflate: true });
      const [error] = await next(client, 'error');
      expect(error.message).toMatch(/Sec-WebSocket-Extensions/);
    } finally {
      await closeServer(server);
    }
  });
});
