/**
 * The send fast path (connection.ts, frames.ts): frames sent inside a
 * connection's own read go straight into the realm's reusable batch buffer,
 * frames that cannot (a callback, a large payload, anything after a queued
 * frame) go through the send queue after them. Against real peers over
 * loopback (the ws package checks every frame it receives): order, bytes,
 * `bufferedAmount`, a flush of another connection in the middle of a read, and
 * the client role's masked frames.
 */
import { describe, expect, test } from 'vitest';
import { connect, type WebSocket } from '../../src/server/index.js';
import { WS, bytes, cleanupsAfterEach, closeServer, listen, next, wsServer } from './helpers.js';

const cleanups = cleanupsAfterEach();

/** A ws client of a wsframe server whose connection handler is `onConnection`. */
async function clientOf(onConnection: (ws: WebSocket) => void) {
  const s = await listen();
  cleanups.push(() => closeServer(s.server));
  s.server.on('connection', onConnection);
  const client = new WS(s.url);
  cleanups.push(() => client.terminate());
  await next(client, 'open');
  return { ...s, client };
}

/** Masked frames (zero key) of binary messages, to be written in one piece so that the server reads them together. */
function maskedFrames(payloads: Buffer[]): Buffer {
  return Buffer.concat(payloads.flatMap((p) => {
    const n = p.length;
    const length = n < 126 ? [0x80 | n] : [0x80 | 126, n >> 8, n & 0xff];
    return [Buffer.from([0x82, ...length, 0, 0, 0, 0]), p];
  }));
}

/** The next `count` messages `ws` receives. */
function messages(ws: InstanceType<typeof WS>, count: number): Promise<Buffer[]> {
  return new Promise((resolve) => {
    const got: Buffer[] = [];
    const onMessage = (data: Buffer): void => {
      if (got.push(Buffer.from(data)) === count) {
        ws.off('message', onMessage);
        resolve(got);
      }
    };
    ws.on('message', onMessage);
  });
}

describe('frames sent during a read', () => {
  test('fast-path and queued frames go out in send order, byte for byte', async () => {
    const large = bytes(64 * 1024, 9);
    const callbacks: number[] = [];
    const { client } = await clientOf((ws) => ws.on('message', (data: Buffer) => {
      const i = data[0];
      ws.send(Buffer.from([i, 1])); // fast path
      ws.send(Buffer.from([i, 2]), () => callbacks.push(i)); // a callback: queued
      ws.send(Buffer.from([i, 3])); // after a queued frame: queued
      ws.send(Buffer.concat([Buffer.from([i, 4]), large])); // large: a write chunk of its own
    }));
    const count = 50;
    const got = messages(client, count * 4);
    client._socket.write(maskedFrames(Array.from({ length: count }, (_, i) => Buffer.from([i]))));
    const data = await got;
    const expected = Array.from({ length: count }, (_, i) => [1, 2, 3, 4].map((k) => (k === 4 ? Buffer.concat([Buffer.from([i, 4]), large]) : Buffer.from([i, k])))).flat();
    expect(data.length).toBe(expected.length);
    data.forEach((d, j) => expect(d.equals(expected[j])).toBe(true));
    expect(callbacks).toEqual(Array.from({ length: count }, (_, i) => i));
  }, 10_000);

  test('short frames (0-125 bytes, the 125/126 boundary, text and binary) past the batch buffer\'s size keep bytes, type and order', async () => {
    const { client } = await clientOf((ws) => ws.on('message', (data: Buffer, isBinary: boolean) => ws.send(data, { binary: isBinary })));
    // 480 frames of up to 130 bytes: about 31 KiB of replies from one read or a few, past the 16 KiB batch buffer,
    // so the short-frame writer runs out of room mid-read and the general path grows the batch.
    const sent = Array.from({ length: 480 }, (_, i) => ({ data: Buffer.alloc(i % 131, 0x41 + (i % 26)), binary: i % 3 === 0 }));
    const frames = Buffer.concat(sent.map(({ data, binary }) => {
      const n = data.length;
      const length = n < 126 ? [0x80 | n] : [0x80 | 126, n >> 8, n & 0xff];
      return Buffer.concat([Buffer.from([binary ? 0x82 : 0x81, ...length, 0, 0, 0, 0]), data]);
    }));
    const got = new Promise<{ data: Buffer; binary: boolean }[]>((resolve) => {
      const all: { data: Buffer; binary: boolean }[] = [];
      client.on('message', (data: Buffer, binary: boolean) => {
        if (all.push({ data: Buffer.from(data), binary }) === sent.length) resolve(all);
      });
    });
    client._socket.write(frames);
    const echoed = await got;
    expect(echoed.map((m) => m.binary)).toEqual(sent.map((m) => m.binary));
    echoed.forEach((m, j) => expect(m.data.equals(sent[j].data)).toBe(true));
  }, 10_000);

  test('bufferedAmount counts a fast-path frame until it is written', async () => {
    const seen: number[] = [];
    const { client } = await clientOf((ws) => ws.on('message', (data: Buffer) => {
      const before = ws.bufferedAmount;
      ws.send(data);
      seen.push(ws.bufferedAmount - before);
    }));
    const payloads = [bytes(10, 1), bytes(1000, 2), bytes(5000, 3)];
    const got = messages(client, payloads.length);
    client._socket.write(maskedFrames(payloads));
    const data = await got;
    data.forEach((d, j) => expect(d.equals(payloads[j])).toBe(true));
    expect(seen).toEqual(payloads.map((p) => p.length));
  }, 10_000);

  test('a read that closes another connection (whose close frame is flushed at once) keeps both connections\' bytes intact', async () => {
    const s = await listen();
    cleanups.push(() => closeServer(s.server));
    const accepted: WebSocket[] = [];
    s.server.on('connection', (ws: WebSocket) => accepted.push(ws));
    const victims = await Promise.all(Array.from({ length: 8 }, async () => {
      const victim = new WS(s.url);
      cleanups.push(() => victim.terminate());
      await next(victim, 'open');
      return victim;
    }));
    const closes = victims.map((victim) => next(victim, 'close'));
    const client = new WS(s.url);
    cleanups.push(() => client.terminate());
    await next(client, 'open');
    const [echoer, ...others] = accepted.slice(-9).reverse();
    echoer.on('message', (data: Buffer) => {
      echoer.send(data); // into the batch buffer this read borrowed
      others[data[0]].close(4000 + data[0], 'bye'); // its close frame is flushed now, while that batch is lent out
      echoer.send(Buffer.concat([data, data])); // into the same batch
    });
    const payloads = Array.from({ length: 8 }, (_, i) => Buffer.concat([Buffer.from([i]), bytes(2000, i + 1)]));
    const got = messages(client, 16);
    client._socket.write(maskedFrames(payloads));
    const data = await got;
    data.forEach((d, j) => expect(d.equals(j % 2 === 0 ? payloads[j >> 1] : Buffer.concat([payloads[j >> 1], payloads[j >> 1]]))).toBe(true));
    const codes = (await Promise.all(closes)).map(([code, reason]) => `${code} ${reason}`);
    expect(codes.sort()).toEqual(Array.from({ length: 8 }, (_, i) => `${4000 + i} bye`));
  }, 10_000);

  test('the client role: a wsframe client echoing inside its reads sends masked frames ws accepts', async () => {
    const s = await wsServer();
    cleanups.push(() => closeServer(s.server));
    const accepted = next(s.server, 'connection');
    const client = await connect(s.url);
    cleanups.push(() => client.terminate());
    const [peer] = await accepted;
    client.on('message', (data: Buffer, isBinary: boolean) => client.send(data, { binary: isBinary }));
    const payloads = Array.from({ length: 200 }, (_, i) => bytes(1 + ((i * 97) % 3000), i));
    const got = messages(peer, payloads.length);
    for (const p of payloads) peer.send(p);
    const data = await got;
    data.forEach((d, j) => expect(d.equals(payloads[j])).toBe(true));
  }, 10_000);
});
