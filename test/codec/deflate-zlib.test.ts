/**
 * The node:zlib permessage-deflate engine against ws's (the reference): for
 * random agreements between our server side and ws's client side, random
 * message sequences compressed by one side inflate to the same bytes on the
 * other, with and without context takeover, every window size. Then the
 * limits: a zip bomb stops at maxLength without allocating what it would
 * inflate to, invalid data is 1007, and shared state recovers for the next message.
 */
import { createRequire } from 'node:module';
import zlib from 'node:zlib';
import { describe, expect, test } from 'vitest';
import fc from 'fast-check';
import { FrameError } from '../../src/codec/errors.js';
import { acceptOffer, resolveDeflateOptions } from '../../src/codec/deflate/negotiate.js';
import { zlibDeflate } from '../../src/codec/deflate/zlib.js';
import type { MessageDeflate } from '../../src/codec/deflate/types.js';

const require = createRequire(import.meta.url);
/* eslint-disable @typescript-eslint/no-explicit-any */
const WsDeflate = require('../../node_modules/ws/lib/permessage-deflate.js') as any;
const wsExtension = require('../../node_modules/ws/lib/extension.js') as any;

function wsCall(ext: any, method: 'compress' | 'decompress', data: Uint8Array): Promise<Buffer> {
  return new Promise((resolve, reject) => ext[method](Buffer.from(data), true, (error: Error | null, result: Buffer) => (error ? reject(error) : resolve(result))));
}

/** Byte equality without vitest's element-by-element diffing (slow for large arrays). */
function same(a: Uint8Array, b: Uint8Array): boolean {
  return Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** Messages: compressible text, random bytes, runs; sizes across the stored/fixed/dynamic block boundaries. */
const message = fc.oneof(
  fc.integer({ min: 0, max: 70_000 }).map((n) => new TextEncoder().encode('{"id":1,"name":"wsframe","tags":["a","b"]},'.repeat(Math.ceil(n / 44)).slice(0, n))),
  fc.uint8Array({ maxLength: 3000 }),
  fc.tuple(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 100_000 })).map(([b, n]) => new Uint8Array(n).fill(b)),
);
const bits = fc.option(fc.integer({ min: 8, max: 15 }), { nil: undefined });

describe('node:zlib engine against ws', () => {
  test('random agreements and message sequences, both directions', async () => {
    await fc.assert(fc.asyncProperty(
      fc.constantFrom('shared', 'dedicated') as fc.Arbitrary<'shared' | 'dedicated'>,
      // ws's client refuses an answer with a parameter its options set to false (the RFC lets the server add them): true or unset only.
      fc.record({ serverNoContextTakeover: fc.constantFrom(true, undefined), clientNoContextTakeover: fc.constantFrom(true, undefined), serverMaxWindowBits: bits, clientMaxWindowBits: bits }),
      fc.array(fc.tuple(fc.boolean(), message), { minLength: 1, maxLength: 6 }),
      async (mode, offer, messages) => {
        const client = new WsDeflate({ ...offer, isServer: false });
        const offerHeader = wsExtension.format({ 'permessage-deflate': [client.offer()] });
        const settings = resolveDeflateOptions({ mode })!;
        const accepted = acceptOffer(offerHeader, settings);
        if (accepted === undefined) return;
        client.accept(wsExtension.parse(accepted.header)['permessage-deflate']);
        const ours = zlibDeflate(accepted.params, 'server', settings);
        try {
          for (const [toClient, data] of messages) {
            if (toClient) {
              expect(same(await wsCall(client, 'decompress', ours.compress(data)), data)).toBe(true);
            } else {
              const inflated = ours.decompress(await wsCall(client, 'compress', data), 0);
              expect(inflated instanceof Uint8Array && same(inflated, data)).toBe(true);
            }
          }
        } finally {
          ours.close();
          client.cleanup();
        }
      },
    ), { numRuns: 100 });
  });

  test('the client side against ws as server, context takeover both ways, every window size', async () => {
    for (let b = 8; b <= 15; b++) {
      const server = new WsDeflate({ isServer: true });
      const settings = resolveDeflateOptions({ mode: 'dedicated', clientMaxWindowBits: b, serverMaxWindowBits: b })!;
      const response = server.accept(wsExtension.parse(`permessage-deflate; client_max_window_bits=${b}; server_max_window_bits=${b}`)['permessage-deflate']);
      const params = { serverNoContextTakeover: false, clientNoContextTakeover: false, serverMaxWindowBits: response.server_max_window_bits, clientMaxWindowBits: response.client_max_window_bits };
      expect(params.serverMaxWindowBits).toBe(b);
      const ours = zlibDeflate(params, 'client', settings);
      const text = new TextEncoder().encode('context takeover makes the second copy almost free. '.repeat(40));
      let previous = Infinity;
      for (let i = 0; i < 3; i++) {
        const compressed = ours.compress(text);
        expect(new Uint8Array(await wsCall(server, 'decompress', compressed))).toEqual(text);
        if (b >= 12) expect(compressed.length).toBeLessThanOrEqual(previous);
        previous = compressed.length;
        expect(ours.decompress(await wsCall(server, 'compress', text), 0)).toEqual(text);
      }
      ours.close();
      server.cleanup();
    }
  });
});

describe('limits and bad data', () => {
  const shared = (): MessageDeflate => zlibDeflate(acceptOffer('permessage-deflate', resolveDeflateOptions(true)!)!.params, 'server', resolveDeflateOptions(true)!);
  const dedicated = (): MessageDeflate => zlibDeflate(acceptOffer('permessage-deflate', resolveDeflateOptions({ mode: 'dedicated' })!)!.params, 'server', resolveDeflateOptions({ mode: 'dedicated' })!);

  test('a zip bomb (200 KiB inflating to 200 MiB) stops at maxLength with 1009, allocating about maxLength', () => {
    const bomb = zlib.deflateRawSync(new Uint8Array(200 * 1024 * 1024), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(bomb.length).toBeLessThan(256 * 1024);
    for (const engine of [shared(), dedicated()]) {
      const before = process.memoryUsage().arrayBuffers;
      const result = engine.decompress(bomb, 1024 * 1024);
      const grown = process.memoryUsage().arrayBuffers - before;
      expect(result).toBeInstanceOf(FrameError);
      expect((result as FrameError).closeCode).toBe(1009);
      expect(grown).toBeLessThan(8 * 1024 * 1024);
      engine.close();
    }
  });

  test('invalid DEFLATE data is 1007; the shared decompressor serves the next message', () => {
    const engine = shared();
    for (const bad of [[0xff, 0xff, 0xff], [0x07], [0x02, 0x00, 0xff, 0xff, 0x13]]) {
      const result = engine.decompress(new Uint8Array(bad), 0);
      expect(result, String(bad)).toBeInstanceOf(FrameError);
      expect((result as FrameError).closeCode).toBe(1007);
      expect(engine.decompress(engine.compress(new TextEncoder().encode('fine')), 0)).toEqual(new TextEncoder().encode('fine'));
    }
  });

  test('a check that refuses a piece stops inflating with 1007 (invalid UTF-8)', () => {
    const engine = shared();
    const data = new Uint8Array(300_000).fill(0xff);
    let pieces = 0;
    const result = engine.decompress(engine.compress(data), 0, () => ++pieces < 2);
    expect((result as FrameError).closeCode).toBe(1007);
    expect((result as FrameError).code).toBe('WS_ERR_INVALID_UTF8');
    expect(pieces).toBe(2);
  });

  test('an empty message compresses to an empty payload and back (RFC 7692 §7.2.3.6)', () => {
    const engine = shared();
    const compressed = engine.compress(new Uint8Array(0));
    expect(engine.decompress(compressed, 0)).toEqual(new Uint8Array(0));
    expect(engine.decompress(new Uint8Array([0x00]), 0)).toEqual(new Uint8Array(0));
  });
});
