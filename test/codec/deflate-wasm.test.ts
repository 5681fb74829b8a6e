/**
 * The WASM compressor (assembly/deflate.ts through wasm-compressor.ts)
 * against zlib, the reference inflater: random inputs of random sizes (up to
 * the module's input region), every level and every window size inflate back
 * byte-exactly, through an inflater whose window is exactly the agreed one
 * and which is fed its output in small pieces (a distance past the window
 * would fail). The output is a sync-flushed stream (RFC 7692 §7.2.1), the
 * same for the same message whatever came before (a broadcast compresses once
 * for all receivers), and no larger than zlib's at the same level on
 * compressible text. Then messageDeflate: which messages go to it.
 */
import zlib from 'node:zlib';
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { DEFLATE_INPUT_SIZE } from '../../src/codec/layout.js';
import { messageDeflate } from '../../src/codec/deflate/message.js';
import { nodeZlibEngine } from '../../src/codec/deflate/node-zlib.js';
import { WASM_COMPRESS_MAX, wasmCompressor, wasmStream } from '../../src/codec/deflate/wasm-compressor.js';
import { DEFLATE_STREAM_CHUNK } from '../../src/codec/layout.js';

const SYNC_TAIL = Buffer.from([0x00, 0x00, 0xff, 0xff]);

/** Inflates a sync-flushed raw stream with a window of exactly 2^bits bytes, 64 output bytes per zlib call. */
function inflate(data: Uint8Array, bits: number): Buffer {
  return zlib.inflateRawSync(data, { windowBits: bits, finishFlush: zlib.constants.Z_SYNC_FLUSH, chunkSize: 64 });
}

/** JSON-like text: what permessage-deflate mostly carries. */
function jsonText(size: number, seed: number): Uint8Array {
  let text = '[';
  while (text.length < size) text += JSON.stringify({ id: seed++ % 997, user: `user${(seed * 31) % 500}`, score: (seed * 7) % 1000 / 10, tags: ['alpha', 'beta'] }) + ',';
  return Buffer.from(text.slice(0, size));
}

/** Inputs that reach each block type and the matcher's edges: noise, small alphabets, runs, repeats with far distances, text. */
const input = fc.integer({ min: 1, max: DEFLATE_INPUT_SIZE }).chain((size) => fc.oneof(
  fc.uint8Array({ minLength: 1, maxLength: Math.min(size, 4096) }),
  fc.tuple(fc.integer({ min: 1, max: 20 }), fc.integer()).map(([alphabet, seed]) => {
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = 97 + ((seed = (seed * 1103515245 + 12345) | 0) >>> 16) % alphabet;
    return bytes;
  }),
  fc.integer({ min: 0, max: 255 }).map((byte) => new Uint8Array(size).fill(byte)),
  fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 600 }), fc.integer({ min: 0, max: 300 })).map(([unit, noise]) => {
    // A block repeated with noise between copies: matches at every distance up to the window and past it.
    const bytes = new Uint8Array(size);
    for (let i = 0; i < size; i++) bytes[i] = i % (unit.length + noise) < unit.length ? unit[i % (unit.length + noise)] : (i * 131) & 0xff;
    return bytes;
  }),
  fc.integer().map((seed) => jsonText(size, seed)),
));

describe('the WASM compressor', () => {
  test('is available in Node, and its size limit fits its input region', () => {
    expect(wasmCompressor(1, 15)).toBeTypeOf('function');
    expect(WASM_COMPRESS_MAX).toBeLessThanOrEqual(DEFLATE_INPUT_SIZE);
  });

  test('level 0 is left to zlib (stored blocks only)', () => {
    expect(wasmCompressor(0, 15)).toBeUndefined();
  });

  test('random inputs, levels and windows: zlib inflates them back byte-exactly, within the agreed window', () => {
    fc.assert(
      fc.property(input, fc.integer({ min: -1, max: 9 }).filter((l) => l !== 0), fc.integer({ min: 8, max: 15 }), (data, level, bits) => {
        const out = Buffer.from(wasmCompressor(level, bits)!(data));
        expect(out.subarray(-4)).toEqual(SYNC_TAIL);
        // Nothing worse than a stored block: 5 bytes of header, then the sync flush's 5.
        expect(out.length).toBeLessThanOrEqual(data.length + 10);
        expect(inflate(out, bits).equals(data)).toBe(true);
        // The receiver's view (§7.2.2): the tail stripped, then put back.
        expect(inflate(Buffer.concat([out.subarray(0, -4), SYNC_TAIL]), bits).equals(data)).toBe(true);
      }),
      { numRuns: 400 },
    );
  });

  test('the same message compresses to the same bytes whatever was compressed before', () => {
    const compress = wasmCompressor(1, 15)!;
    const message = jsonText(3000, 7);
    const first = Buffer.from(compress(message));
    for (let i = 0; i < 50; i++) compress(jsonText(1 + ((i * 977) % DEFLATE_INPUT_SIZE), i));
    expect(Buffer.from(compress(message))).toEqual(first);
  });

  test('compressible text: no more bytes than zlib at the same level (no context takeover)', () => {
    for (const level of [1, 3, 6, 9]) {
      for (const size of [256, 1024, 4096, WASM_COMPRESS_MAX]) {
        let ours = 0;
        let theirs = 0;
        for (let seed = 0; seed < 8; seed++) {
          const data = jsonText(size, seed * 1000);
          ours += wasmCompressor(level, 15)!(data).length;
          theirs += zlib.deflateRawSync(data, { level, finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
        }
        expect(ours, `level ${level}, ${size} B`).toBeLessThanOrEqual(theirs * 1.01);
      }
    }
  });
});

describe('messageDeflate and the WASM compressor', () => {
  const engine = nodeZlibEngine(zlib);
  const params = (noTakeover: boolean, bits = 15) => ({ serverNoContextTakeover: noTakeover, clientNoContextTakeover: noTakeover, serverMaxWindowBits: bits, clientMaxWindowBits: bits });
  const settings = { level: 1, memLevel: 8, threshold: 0 };

  test('without context takeover, messages up to WASM_COMPRESS_MAX bytes get its bytes; larger ones zlib\'s', () => {
    const deflate = messageDeflate(engine, params(true, 10), 'server', settings);
    const wasm = wasmCompressor(1, 10)!;
    for (const size of [1, 100, WASM_COMPRESS_MAX]) {
      const data = jsonText(size, size);
      const expected = Buffer.from(wasm(data)).subarray(0, -4);
      expect(Buffer.from(deflate.compress(data))).toEqual(expected);
      // A fragment keeps the flush marker (the message goes on), and each fragment is a stream of its own.
      expect(Buffer.from(deflate.compress(data, false))).toEqual(Buffer.concat([expected, SYNC_TAIL]));
    }
    const large = jsonText(WASM_COMPRESS_MAX + 1, 1);
    const viaZlib = zlib.deflateRawSync(large, { level: 1, windowBits: 10, finishFlush: zlib.constants.Z_SYNC_FLUSH }).subarray(0, -4);
    expect(Buffer.from(deflate.compress(large))).toEqual(viaZlib);
  });

  test('with context takeover, every message goes to the connection\'s WASM stream (zlib compresses nothing)', () => {
    const deflate = messageDeflate(engine, params(false, 12), 'server', settings);
    const stream = wasmStream(1, 12)!;
    for (const size of [0, 1, 1000, WASM_COMPRESS_MAX + 1, DEFLATE_STREAM_CHUNK * 2 + 5]) {
      const data = jsonText(size, size);
      const pieces: Buffer[] = [];
      stream.compress(data, (piece) => pieces.push(Buffer.from(piece)));
      const expected = Buffer.concat(pieces);
      expect(Buffer.from(deflate.compress(data))).toEqual(expected.length > 5 ? expected.subarray(0, -4) : Buffer.from([0]));
    }
    deflate.close();
    stream.close();
  });

  test('an empty message is still the single byte 0x00', () => {
    const deflate = messageDeflate(engine, params(true), 'server', settings);
    expect([...deflate.compress(new Uint8Array(0))]).toEqual([0x00]);
  });
});

/** A message sequence: sizes from empty to past two stream pieces, the inputs above (noise, runs, repeats, text). */
const sequence = fc.array(fc.oneof(
  { weight: 3, arbitrary: fc.integer({ min: 0, max: 3000 }).chain((size) => fc.integer().map((seed) => jsonText(size, seed))) },
  { weight: 1, arbitrary: fc.uint8Array({ maxLength: 2000 }) },
  { weight: 1, arbitrary: input.filter((data) => data.length <= 2 * DEFLATE_STREAM_CHUNK + 100) },
), { minLength: 1, maxLength: 12 });

/** Inflates `data` through `inflater` (one zlib context for the whole connection) fed in random-sized chunks. */
function inflateChunked(inflater: ReturnType<ReturnType<typeof nodeZlibEngine>['inflater']>, data: Uint8Array, cuts: number[]): Buffer {
  const out = new Uint8Array(64 * 1024);
  const pieces: Buffer[] = [];
  let at = 0;
  for (let i = 0; at < data.length; i++) {
    const chunk = data.subarray(at, Math.min(data.length, at + 1 + cuts[i % cuts.length]));
    at += chunk.length;
    let used = 0;
    do {
      expect(inflater.step(chunk, used, out)).toBe(true);
      used = inflater.consumed;
      pieces.push(Buffer.from(out.subarray(0, inflater.produced)));
    } while (inflater.produced === out.length || used < chunk.length);
  }
  return Buffer.concat(pieces);
}

describe('the WASM stream (context takeover)', () => {
  const engine = nodeZlibEngine(zlib);

  test('random message sequences, levels and windows 8-15: one zlib context with exactly the agreed window inflates the whole connection, fed in random chunks', () => {
    fc.assert(
      fc.property(sequence, fc.integer({ min: -1, max: 9 }).filter((l) => l !== 0), fc.integer({ min: 8, max: 15 }), fc.array(fc.integer({ min: 0, max: 700 }), { minLength: 1, maxLength: 8 }), (messages, level, bits, cuts) => {
        const stream = wasmStream(level, bits)!;
        const inflater = engine.inflater(bits);
        try {
          for (const data of messages) {
            const pieces: Buffer[] = [];
            stream.compress(data, (piece) => pieces.push(Buffer.from(piece)));
            const out = Buffer.concat(pieces);
            expect(out.subarray(-4)).toEqual(SYNC_TAIL);
            // Nothing worse than stored blocks: 5 bytes per piece, then the sync flush's 5.
            expect(out.length).toBeLessThanOrEqual(data.length + 5 * Math.ceil(data.length / DEFLATE_STREAM_CHUNK) + 5);
            // The receiver's view (RFC 7692 §7.2.2): the tail stripped, then put back, one context for the connection.
            const payload = out.length > 5 ? out.subarray(0, -4) : Buffer.from([0]);
            expect(inflateChunked(inflater, Buffer.concat([payload, SYNC_TAIL]), cuts).equals(data)).toBe(true);
          }
        } finally {
          stream.close();
          inflater.close();
        }
      }),
      { numRuns: 150 },
    );
  });

  test('the whole sequence, inflated in one zlib call with exactly the agreed window, is the messages in order', () => {
    fc.assert(
      fc.property(sequence, fc.integer({ min: 1, max: 9 }), fc.integer({ min: 8, max: 15 }), (messages, level, bits) => {
        const stream = wasmStream(level, bits)!;
        const pieces: Buffer[] = [];
        for (const data of messages) stream.compress(data, (piece) => pieces.push(Buffer.from(piece)));
        stream.close();
        expect(inflate(Buffer.concat(pieces), bits).equals(Buffer.concat(messages))).toBe(true);
      }),
      { numRuns: 100 },
    );
  });

  test('many messages through one stream: the window slides (every 16 KiB) and stays exact', () => {
    for (const bits of [8, 11, 15]) {
      const stream = wasmStream(3, bits)!;
      const pieces: Buffer[] = [];
      const messages = Array.from({ length: 200 }, (_, i) => jsonText(200 + ((i * 397) % 3000), i));
      for (const data of messages) stream.compress(data, (piece) => pieces.push(Buffer.from(piece)));
      stream.close();
      expect(inflate(Buffer.concat(pieces), bits).equals(Buffer.concat(messages))).toBe(true);
    }
  });

  test('16-bit heads: past 64 K positions, stale heads that alias into the window never make a wrong match (long random connections, windows 8-15)', () => {
    // Messages drawn from a few texts, so that many positions share hashes across far more than 64 K positions:
    // a stale head then names a position inside the window with other bytes, which must be compared, not taken.
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 1, max: 6 }), fc.integer({ min: 8, max: 15 }), (seed, level, bits) => {
        const next = () => (seed = (seed * 1103515245 + 12345) | 0) >>> 8;
        const texts = Array.from({ length: 5 }, (_, i) => jsonText(3000, i * 101 + (next() % 50)));
        const stream = wasmStream(level, bits)!;
        const pieces: Buffer[] = [];
        const messages: Uint8Array[] = [];
        for (let total = 0; total < 200_000;) {
          const text = texts[next() % texts.length];
          const from = next() % 2000;
          const data = Uint8Array.from(text.subarray(from, from + 1 + (next() % 1000)), (byte, i) => (i % 97 === 0 ? next() & 0xff : byte));
          messages.push(data);
          total += data.length;
          stream.compress(data, (piece) => pieces.push(Buffer.from(piece)));
        }
        stream.close();
        expect(inflate(Buffer.concat(pieces), bits).equals(Buffer.concat(messages))).toBe(true);
      }),
      { numRuns: 6 },
    );
  });

  test('context takeover pays: a repeated message is a few bytes; without it, no', () => {
    const stream = wasmStream(3, 15)!;
    const data = jsonText(1000, 3);
    let first = 0;
    let second = 0;
    stream.compress(data, (piece) => (first += piece.length));
    stream.compress(data, (piece) => (second += piece.length));
    stream.close();
    expect(first).toBeGreaterThan(100);
    expect(second).toBeLessThan(20);
  });

  test('bytes: JSON-like messages in sequence within 8% of zlib level 6 with context takeover (what ws sends)', () => {
    const messages = Array.from({ length: 64 }, (_, i) => jsonText(1024, i * 50));
    const stream = wasmStream(3, 15)!;
    let ours = 0;
    for (const data of messages) stream.compress(data, (piece) => (ours += piece.length));
    stream.close();
    const zlibStream = engine.deflater(6, 8, 15);
    const out = new Uint8Array(64 * 1024);
    let theirs = 0;
    for (const data of messages) {
      zlibStream.step(data, 0, out);
      theirs += zlibStream.produced;
    }
    zlibStream.close();
    expect(ours).toBeLessThanOrEqual(theirs * 1.08);
  });

  test('a closed stream\'s region is reused and starts afresh; closing twice is harmless', () => {
    const collect = (stream: NonNullable<ReturnType<typeof wasmStream>>, data: Uint8Array): Buffer => {
      const pieces: Buffer[] = [];
      stream.compress(data, (piece) => pieces.push(Buffer.from(piece)));
      return Buffer.concat(pieces);
    };
    const data = jsonText(5000, 9);
    const a = wasmStream(3, 14)!;
    const fresh = collect(a, data);
    collect(a, jsonText(40000, 1));
    a.close();
    a.close();
    // Opening and closing many streams reuses the one region: the same output as a fresh stream's, every time.
    for (let i = 0; i < 50; i++) {
      const b = wasmStream(3, 14)!;
      expect(collect(b, data)).toEqual(fresh);
      b.close();
    }
  });
});
