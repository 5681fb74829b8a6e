/**
 * The compressed send path: a compressed payload is lent by the compressor
 * (a view of its memory, overwritten by the next compression of any
 * connection), so the connection writes it into its batch at once or copies
 * it before queuing. Every way a send can take, mixed at random across
 * connections that compress in turns (inside a read: the batch; with a
 * callback, outside a read, in bursts, fragmented: the queue; another
 * connection's send in between), must deliver every message intact, in
 * order, to real ws clients, in both modes.
 */
import { afterAll, describe, expect, test } from 'vitest';
import type { WebSocket as ServerSocket } from '../../src/server/index.js';
import { WS, closeServer, listen, next } from './helpers.js';

/* eslint-disable @typescript-eslint/no-explicit-any */
const CLIENTS = 4;
const ROUNDS = 60;

/** JSON-like text of `n` bytes that differs with `seed` (compressible, and not the same twice). */
function text(n: number, seed: number): Buffer {
  let s = '';
  while (s.length < n) s += JSON.stringify({ id: seed++ % 9973, user: `user${(seed * 37) % 811}`, ok: (seed & 1) === 1 }) + ',';
  return Buffer.from(s.slice(0, n));
}

describe('compressed sends lent by the compressor', () => {
  const cleanups: (() => Promise<void>)[] = [];
  afterAll(async () => {
    for (const cleanup of cleanups) await cleanup();
  });

  for (const mode of ['dedicated', 'shared'] as const) {
    test(`${mode} mode: in a read, with callbacks, outside a read, in bursts, fragmented and interleaved across connections, every message arrives intact and in order`, async () => {
      const { server, url } = await listen({ perMessageDeflate: { mode, threshold: 0 } });
      cleanups.push(() => closeServer(server));
      let seed = 12345;
      const random = (n: number) => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) % n);
      const sockets: ServerSocket[] = [];
      /** What each client must receive, in order. */
      const expected: Buffer[][] = Array.from({ length: CLIENTS }, () => []);
      let callbacks = 0;
      const send = (i: number, data: Buffer, way: number): void => {
        const ws = sockets[i];
        if (way === 1) {
          ws.send(data, { binary: true }, (error) => {
            expect(error).toBeFalsy();
            callbacks++;
          });
        } else if (way === 2) {
          // Three fragments of one compressed message.
          const a = Math.floor(data.length / 3);
          ws.send(data.subarray(0, a), { binary: true, fin: false });
          ws.send(data.subarray(a, 2 * a), { binary: true, fin: false });
          ws.send(data.subarray(2 * a), { binary: true, fin: true });
        } else {
          ws.send(data, { binary: true });
        }
        expected[i].push(data);
      };
      server.on('connection', (ws) => {
        sockets.push(ws);
        ws.on('message', () => {
          // Inside this connection's read: its own sends, another connection's, then some after the read.
          const me = sockets.indexOf(ws);
          for (let k = random(4); k >= 0; k--) send(me, text(20 + random(3000), random(1e6)), random(3));
          send(random(CLIENTS), text(20 + random(2000), random(1e6)), random(3));
          const later = random(3);
          const burst = () => {
            for (let k = random(5); k >= 0; k--) send(random(CLIENTS), text(random(70_000), random(1e6)), random(3));
          };
          if (later === 1) setImmediate(burst);
          else if (later === 2) setTimeout(burst, random(3));
        });
      });
      const clients = Array.from({ length: CLIENTS }, () => new WS(url, { perMessageDeflate: true, maxPayload: 0 }));
      const received: Buffer[][] = clients.map(() => []);
      clients.forEach((client, i) => client.on('message', (data: Buffer) => received[i].push(Buffer.from(data))));
      await Promise.all(clients.map((client) => next(client, 'open')));
      for (let round = 0; round < ROUNDS; round++) {
        clients[random(CLIENTS)].send(`go ${round}`);
        if (round % 10 === 9) await new Promise((r) => setTimeout(r, 5));
      }
      const deadline = Date.now() + 20_000;
      const done = () => received.every((got, i) => got.length === expected[i].length) && expected.some((e) => e.length > 0);
      while (Date.now() < deadline && !(done() && (await new Promise((r) => setTimeout(r, 50, true))) && done())) await new Promise((r) => setTimeout(r, 10));
      for (let i = 0; i < CLIENTS; i++) {
        expect(received[i].length).toBe(expected[i].length);
        received[i].forEach((got, k) => expect(got.equals(expected[i][k]), `client ${i}, message ${k}`).toBe(true));
      }
      expect(callbacks).toBeGreaterThan(0);
      for (const client of clients) client.close();
    });
  }
});
