/**
 * The WASM decompressor (assembly/inflate.ts through wasm-inflater.ts)
 * against node:zlib's `inflateRawSync` with a sync flush (what the codec's
 * zlib path does): on streams compressed by zlib at every level, strategy and
 * window size and by the project's WASM compressor, on those streams
 * corrupted (bits flipped, bytes overwritten, truncated, garbage appended) and
 * on random bytes, both accept the same streams with the same output and
 * reject the same ones. Output larger than one call's region arrives in
 * pieces (matches reach across them); a zip bomb stops at the caller's limit.
 * Then messageDeflate: which messages go to it beside each engine. (The API
 * takes whole messages: input chunking does not apply; the output is what
 * streams.)
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { FrameError } from '../../src/codec/errors.js';
import * as pako from 'pako';
import { DEFLATE_INPUT_SIZE, INFLATE_INPUT_SIZE, INFLATE_OUTPUT_SIZE } from '../../src/codec/layout.js';
import { messageDeflate } from '../../src/codec/deflate/message.js';
import { nodeZlibEngine } from '../../src/codec/deflate/node-zlib.js';
import { type Pako, pakoEngine } from '../../src/codec/deflate/pako.js';
import type { DeflateEngine } from '../../src/codec/deflate/types.js';
import { WASM_COMPRESS_MAX, wasmCompressor } from '../../src/codec/deflate/wasm-compressor.js';
import { WASM_INFLATE_MAX, wasmInflater } from '../../src/codec/deflate/wasm-inflater.js';

const TRAILER = Buffer.from([0x00, 0x00, 0xff, 0xff]);
const inflateOne = wasmInflater()!;

/** zlib's verdict: the output, or null for invalid data. */
function reference(data: Uint8Array): Buffer | null {
  try {
    return zlib.inflateRawSync(Buffer.concat([data, TRAILER]), { finishFlush: zlib.constants.Z_SYNC_FLUSH });
  } catch {
    return null;
  }
}

/** The WASM decompressor's verdict, and how many pieces the output came in. */
function wasm(data: Uint8Array): { output: Buffer | null; pieces: number } {
  const pieces: Buffer[] = [];
  const ok = inflateOne(data, (piece) => {
    pieces.push(Buffer.from(piece));
    return true;
  });
  return { output: ok ? Buffer.concat(pieces) : null, pieces: pieces.length };
}

function expectSameVerdict(data: Uint8Array): boolean {
  const expected = reference(data);
  const actual = wasm(data).output;
  expect(actual === null ? 'invalid' : actual.toString('hex')).toBe(expected === null ? 'invalid' : expected.toString('hex'));
  return expected !== null;
}

/** JSON-like text: what permessage-deflate mostly carries. */
function jsonText(size: number, seed: number): Uint8Array {
  let text = '[';
  while (text.length < size) text += JSON.stringify({ id: seed++ % 997, user: `user${(seed * 31) % 500}`, score: (seed * 7) % 1000 / 10, tags: ['alpha', 'beta'] }) + ',';
  return Buffer.from(text.slice(0, size));
}

/**
 * Inputs of every kind, most of which compress to at most INFLATE_INPUT_SIZE bytes: noise (stored blocks), small
 * alphabets (long codes), runs and a short block repeated (outputs far larger than their input), text, and text of
 * up to 40 KB (several blocks at a small memLevel, messages of up to 16 KB compressed, some past the input region).
 */
const input = fc.oneof(
  fc.uint8Array({ minLength: 0, maxLength: 600 }),
  fc.tuple(fc.integer({ min: 1, max: 3000 }), fc.integer({ min: 1, max: 40 }), fc.integer()).map(([size, alphabet, seed]) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = 32 + ((seed = (seed * 1103515245 + 12345) | 0) >>> 16) % alphabet;
    return bytes;
  }),
  fc.tuple(fc.integer({ min: 1, max: 300_000 }), fc.integer({ min: 0, max: 255 })).map(([size, byte]) => new Uint8Array(size).fill(byte)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.integer({ min: 1, max: 400 })).map(([unit, copies]) => {
    const bytes = new Uint8Array(unit.length * copies);
    for (let i = 0; i < copies; i++) bytes.set(unit, i * unit.length);
    return bytes;
  }),
  fc.tuple(fc.integer({ min: 1, max: 2500 }), fc.integer()).map(([size, seed]) => jsonText(size, seed)),
  fc.tuple(fc.integer({ min: 2500, max: 40_000 }), fc.integer(), fc.integer({ min: 0, max: 4 })).map(([size, seed, noise]) => {
    // Text with about noise/32 of its bytes changed at random: longer codes and fewer matches as noise grows.
    const bytes = jsonText(size, seed);
    for (let i = 0; i < size; i++) if (((seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 24) < noise * 8) bytes[i] = seed >>> 8;
    return bytes;
  }),
);

/** zlib's settings: every level, strategy and window size. */
const settings = fc.record({
  level: fc.integer({ min: 0, max: 9 }),
  strategy: fc.constantFrom(zlib.constants.Z_DEFAULT_STRATEGY, zlib.constants.Z_FILTERED, zlib.constants.Z_HUFFMAN_ONLY, zlib.constants.Z_RLE, zlib.constants.Z_FIXED),
  windowBits: fc.integer({ min: 9, max: 15 }),
  memLevel: fc.integer({ min: 1, max: 9 }),
});

/** A message as a peer without context takeover sends it: raw DEFLATE, sync-flushed, the trailer removed. */
function zlibMessage(data: Uint8Array, options: zlib.ZlibOptions): Buffer {
  return zlib.deflateRawSync(data, { ...options, finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
}

/** Ways to break a stream: flipped bits, an overwritten byte, a cut, garbage after it. */
const damage = fc.oneof(
  fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 7 })), { minLength: 1, maxLength: 3 }).map((flips) => (data: Buffer) => {
    const copy = Buffer.from(data);
    for (const [at, bit] of flips) copy[at % copy.length] ^= 1 << bit;
    return copy;
  }),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([at, byte]) => (data: Buffer) => {
    const copy = Buffer.from(data);
    copy[at % copy.length] = byte;
    return copy;
  }),
  fc.nat().map((cut) => (data: Buffer) => data.subarray(0, cut % data.length)),
  fc.uint8Array({ minLength: 1, maxLength: 8 }).map((garbage) => (data: Buffer) => Buffer.concat([data, garbage]).subarray(0, INFLATE_INPUT_SIZE)),
);

describe('the WASM decompressor against zlib', () => {
  test('inflates what zlib writes at every level, strategy, memLevel and window size, byte for byte', () => {
    let checked = 0;
    fc.assert(fc.property(input, settings, (data, options) => {
      const message = zlibMessage(data, options);
      if (message.length === 0 || message.length > INFLATE_INPUT_SIZE) return;
      checked++;
      expect(expectSameVerdict(message)).toBe(true);
      expect(wasm(message).output!.equals(data)).toBe(true);
    }), { numRuns: 1500 });
    expect(checked).toBeGreaterThan(500);
  });

  test('inflates what the WASM compressor writes, at every level and window', () => {
    fc.assert(fc.property(input, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 8, max: 15 }), (data, level, bits) => {
      if (data.length === 0 || data.length > 8192) return;
      const message = Buffer.from(wasmCompressor(level, bits)!(data)).subarray(0, -4);
      if (message.length > INFLATE_INPUT_SIZE) return;
      expect(wasm(message).output!.equals(data)).toBe(true);
    }), { numRuns: 400 });
  });

  test('accepts and rejects damaged streams exactly as zlib does, with the same output', () => {
    let valid = 0;
    let invalid = 0;
    fc.assert(fc.property(input, settings, damage, (data, options, broken) => {
      const message = zlibMessage(data, options);
      if (message.length === 0 || message.length > INFLATE_INPUT_SIZE) return;
      const damaged = broken(message);
      if (damaged.length === 0) return;
      if (expectSameVerdict(damaged)) valid++;
      else invalid++;
    }), { numRuns: 4000 });
    // Both verdicts are well represented (a cut stream is valid to zlib with a sync flush: it waits for more).
    expect(valid).toBeGreaterThan(300);
    expect(invalid).toBeGreaterThan(300);
  });

  test('accepts and rejects random bytes exactly as zlib does (every block type, every header field)', () => {
    let valid = 0;
    fc.assert(fc.property(fc.uint8Array({ minLength: 1, maxLength: 80 }), fc.integer({ min: 0, max: 3 }), (bytes, type) => {
      // Steer the first block's type (bits 1-2) so that each kind of header is reached often.
      const data = Buffer.from(bytes);
      data[0] = (data[0] & ~6) | (type << 1);
      if (expectSameVerdict(data)) valid++;
    }), { numRuns: 20000 });
    expect(valid).toBeGreaterThan(100);
  });

  test('an output larger than one call\'s region comes in pieces, matches reaching back across them', () => {
    const unit = new Uint8Array(37).map((_, i) => (i * 157 + 11) & 0xff);
    const data = new Uint8Array(unit.length * 2000);
    for (let i = 0; i < 2000; i++) data.set(unit, i * unit.length);
    const message = zlibMessage(data, { level: 9 });
    expect(message.length).toBeLessThanOrEqual(INFLATE_INPUT_SIZE);
    const { output, pieces } = wasm(message);
    expect(pieces).toBeGreaterThanOrEqual(Math.floor(data.length / INFLATE_OUTPUT_SIZE));
    expect(output!.equals(data)).toBe(true);
  });

  test('stops when the sink says so: a zip bomb produces at most one more region than the limit', () => {
    // zlib's densest: about 1,000 output bytes per input byte.
    const bomb = zlibMessage(new Uint8Array(400 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThanOrEqual(INFLATE_INPUT_SIZE);
    let produced = 0;
    const limit = 100_000;
    expect(inflateOne(bomb, (piece) => (produced += piece.length) <= limit)).toBe(true);
    expect(produced).toBeGreaterThan(limit);
    expect(produced).toBeLessThanOrEqual(limit + INFLATE_OUTPUT_SIZE);
  });

  test('refuses a message longer than its input region (a trap, never a write past it)', () => {
    expect(() => inflateOne(new Uint8Array(INFLATE_INPUT_SIZE + 1), () => true)).toThrow(WebAssembly.RuntimeError);
    // And the next message is inflated as usual.
    expect(wasm(zlibMessage(Buffer.from('hello'), {})).output!.toString()).toBe('hello');
  });
});

describe('messageDeflate and the WASM decompressor', () => {
  /** A server's messageDeflate on a fresh `engine` (node:zlib by default) whose zlib streams are counted. */
  function server(clientNoContextTakeover: boolean, engine: DeflateEngine = nodeZlibEngine(zlib)) {
    const counted = { inflaters: 0, deflaters: 0 };
    const { inflater, deflater } = engine;
    const counting: DeflateEngine = {
      ...engine,
      inflater: (bits) => (counted.inflaters++, inflater(bits)),
      deflater: (level, memLevel, bits) => (counted.deflaters++, deflater(level, memLevel, bits)),
    };
    const params = { serverNoContextTakeover: true, clientNoContextTakeover, serverMaxWindowBits: 15, clientMaxWindowBits: 15 };
    return { deflate: messageDeflate(counting, params, 'server', { level: 1, memLevel: 8, threshold: 0 }), counted };
  }
  const pakoZlib = (): DeflateEngine => pakoEngine(pako as unknown as Pako);
  /** Noise that compresses to a little more than `compressed` bytes (stored blocks). */
  const compressing = (compressed: number): Uint8Array => {
    let seed = compressed;
    const bytes = new Uint8Array(compressed + 64).map(() => (seed = (Math.imul(seed, 1103515245) + 12345) | 0) >>> 24);
    expect(zlibMessage(bytes, {}).length).toBeGreaterThan(compressed);
    return bytes;
  };

  test(`beside node:zlib it inflates messages without the peer's context takeover of up to ${WASM_INFLATE_MAX} bytes, zlib the rest`, () => {
    const { deflate, counted } = server(true);
    const small = jsonText(1024, 1);
    expect(zlibMessage(small, {}).length).toBeLessThanOrEqual(WASM_INFLATE_MAX);
    expect(Buffer.from(deflate.decompress(zlibMessage(small, {}), 0) as Uint8Array).equals(small)).toBe(true);
    expect(counted.inflaters).toBe(0);
    const large = compressing(WASM_INFLATE_MAX);
    expect(Buffer.from(deflate.decompress(zlibMessage(large, {}), 0) as Uint8Array).equals(large)).toBe(true);
    expect(counted.inflaters).toBe(1);
  });

  test(`beside pako it inflates every message of up to ${INFLATE_INPUT_SIZE} bytes, and compresses every message of up to ${DEFLATE_INPUT_SIZE} bytes`, () => {
    const { deflate, counted } = server(true, pakoZlib());
    const large = compressing(8 * 1024);
    expect(zlibMessage(large, {}).length).toBeLessThanOrEqual(INFLATE_INPUT_SIZE);
    expect(Buffer.from(deflate.decompress(zlibMessage(large, {}), 0) as Uint8Array).equals(large)).toBe(true);
    expect(counted.inflaters).toBe(0);
    const larger = compressing(INFLATE_INPUT_SIZE);
    expect(Buffer.from(deflate.decompress(zlibMessage(larger, {}), 0) as Uint8Array).equals(larger)).toBe(true);
    expect(counted.inflaters).toBe(1);
    // Compressing: WASM's bytes up to DEFLATE_INPUT_SIZE (past node:zlib's WASM_COMPRESS_MAX), pako's past it.
    const text = jsonText(DEFLATE_INPUT_SIZE, 3);
    expect(text.length).toBeGreaterThan(WASM_COMPRESS_MAX);
    const wasmBytes = Buffer.from(wasmCompressor(1, 15)!(text)).subarray(0, -4);
    expect(Buffer.from(deflate.compress(text)).equals(wasmBytes)).toBe(true);
    expect(counted.deflaters).toBe(0);
    const sent = deflate.compress(jsonText(DEFLATE_INPUT_SIZE + 1, 3));
    expect(counted.deflaters).toBe(1);
    expect(zlib.inflateRawSync(Buffer.concat([sent, TRAILER]), { finishFlush: zlib.constants.Z_SYNC_FLUSH }).equals(jsonText(DEFLATE_INPUT_SIZE + 1, 3))).toBe(true);
  });

  test('with the peer\'s context takeover, zlib inflates (the window is kept between messages)', () => {
    const { deflate, counted } = server(false);
    const text = jsonText(1024, 2);
    expect(Buffer.from(deflate.decompress(zlibMessage(text, {}), 0) as Uint8Array).equals(text)).toBe(true);
    expect(counted.inflaters).toBe(1);
  });

  test('maxLength bounds the inflated size while inflating (1009), bad data is 1007, the check sees each piece', () => {
    const { deflate } = server(true);
    const bomb = zlibMessage(new Uint8Array(400 * 1024), { level: 9 });
    expect(bomb.length).toBeLessThanOrEqual(WASM_INFLATE_MAX);
    let seen = 0;
    const result = deflate.decompress(bomb, 100_000, (piece) => {
      seen += piece.length;
      return true;
    });
    expect(result).toBeInstanceOf(FrameError);
    expect((result as FrameError).closeCode).toBe(1009);
    expect(seen).toBeLessThanOrEqual(100_000);
    const invalid = deflate.decompress(Buffer.from([0xff, 0xff, 0xff]), 0);
    expect((invalid as FrameError).closeCode).toBe(1007);
    const refused = deflate.decompress(zlibMessage(Buffer.from('not accepted'), {}), 0, () => false);
    expect((refused as FrameError).closeCode).toBe(1007);
    expect((refused as FrameError).code).toBe('WS_ERR_INVALID_UTF8');
  });
});
