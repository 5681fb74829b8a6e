/**
 * Node's `buffer.isUtf8` as the validator for long text (src/codec/utf8.ts
 * `validateUtf8Native`, and the decoder's D_UTF8 pieces): it must be exact
 * as the kernel is, chunk by chunk (fail-fast streaming included). Expected
 * verdicts come from buffer.isUtf8 on whole prefixes and test/support/utf8.ts.
 */
import { isUtf8 } from 'node:buffer';
import { describe, expect, it } from 'vitest';
import { frameCore } from '../../src/codec/internal.js';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import { UTF8_INVALID } from '../../src/codec/layout.js';
import { UTF8_NATIVE_THRESHOLD, Utf8Validator, isValidUTF8, isValidUTF8IO, nativeIsUtf8, validateUtf8Native } from '../../src/codec/utf8.js';
import { io } from '../../src/codec/wasm.js';
import { digest, wsframeDecode } from '../support/decode.js';
import { Random } from '../support/random.js';
import { utf8Bytes } from '../support/streams.js';
import { firstInvalidLength, isValidPrefix } from '../support/utf8.js';
import { wsFrame } from '../support/ws.js';

const CASES = 150;

/** Valid text of `size` bytes, then damaged the way `how` says (seeded). */
function text(size: number, random: Random, how: number): Uint8Array {
  const data = utf8Bytes(size, random.next());
  if (how === 1) data[random.int(size)] = random.next() & 0xff; // one random byte anywhere
  if (how === 2) data[size - 1 - random.int(4)] = 0x80 | random.int(0x80); // near the end
  if (how === 3) data.set(new Uint8Array([0xf0, 0x9f, 0x98]).subarray(0, 1 + random.int(3)), size - 3); // open character at the end
  return data;
}

describe('validateUtf8Native', () => {
  it('is what the decoder and validators use on Node (process.getBuiltinModule)', () => {
    expect(nativeIsUtf8).toBe(typeof process.getBuiltinModule === 'function' ? isUtf8 : undefined);
  });

  it('gives the exact streaming state after every chunk: invalid exactly when the bytes so far are no valid prefix', () => {
    const random = new Random(0x0ddba11);
    for (let c = 0; c < CASES; c++) {
      const data = text(7 + random.int(40_000), random, random.int(4));
      let state = 0;
      for (let start = 0; start < data.length;) {
        const end = Math.min(data.length, start + 7 + random.int(12_000));
        const next = validateUtf8Native(data.subarray(start, end), state, isUtf8);
        if ((state | 0) !== UTF8_INVALID) {
          expect([c, end, (next | 0) === UTF8_INVALID]).toEqual([c, end, !isValidPrefix(data, end)]);
          expect([c, end, next === 0]).toEqual([c, end, isUtf8(data.subarray(0, end))]);
        }
        state = next;
        start = end;
      }
    }
  });

  it('Utf8Validator fails at the chunk that brings in the first bad byte, with chunks above the native threshold', () => {
    const random = new Random(0x5ca1ab1e);
    for (let c = 0; c < CASES; c++) {
      const data = text(UTF8_NATIVE_THRESHOLD + random.int(60_000), random, random.int(4));
      const bad = firstInvalidLength(data);
      const validator = new Utf8Validator();
      for (let start = 0; start < data.length;) {
        const end = Math.min(data.length, start + UTF8_NATIVE_THRESHOLD + random.int(20_000));
        expect([c, end, validator.push(data.subarray(start, end))]).toEqual([c, end, end < bad]);
        start = end;
      }
      expect(validator.end()).toBe(isUtf8(data));
    }
  });
});

describe('whole-character chunks and ASCII: the native verdict on the whole input, exact', () => {
  /** Byte strings that end a chunk: whole characters, and sequences that no valid text has. */
  const ENDINGS = [
    [0x61], [0xc3, 0xa9], [0xe2, 0x82, 0xac], [0xf0, 0x9f, 0x98, 0x80], // whole characters
    [0xc0, 0x80], [0xc1, 0xbf], [0xed, 0xa0, 0x80], [0xe0, 0x80, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xf5, 0x80, 0x80, 0x80], [0xff], // never valid
    [0x61, 0x80], [0xe2, 0x82, 0xac, 0x80], [0xf0, 0x9f, 0x98, 0x80, 0x80], // a continuation byte too many
    [0xc3], [0xe2, 0x82], [0xf0, 0x9f, 0x98], // an open character (the other path)
  ];

  it('gives the exact streaming state for chunks ending on every kind of sequence, ASCII or not before it', () => {
    const random = new Random(0xa5c11);
    for (let c = 0; c < CASES; c++) {
      const ascii = random.int(2) === 0;
      const chunks: Uint8Array[] = [];
      for (let n = 1 + random.int(4); n > 0; n--) {
        const body = ascii ? new Uint8Array(random.int(9000)).fill(0x20 + random.int(0x5f)) : utf8Bytes(random.int(9000), random.next());
        const ending = random.int(3) === 0 ? ENDINGS[random.int(ENDINGS.length)] : [0x7a];
        chunks.push(Uint8Array.from([...body, ...ending, ...(random.int(2) ? [] : new Array(7).fill(0x41))]));
      }
      const data = Buffer.concat(chunks);
      let state = 0;
      let end = 0;
      for (const chunk of chunks) {
        if (chunk.length <= 6) continue; // the function's contract
        const next = validateUtf8Native(chunk, state, isUtf8);
        end += chunk.length;
        if ((state | 0) !== UTF8_INVALID) {
          expect([c, end, (next | 0) === UTF8_INVALID]).toEqual([c, end, !isValidPrefix(data.subarray(0, end), end)]);
          expect([c, end, next === 0]).toEqual([c, end, isUtf8(data.subarray(0, end))]);
        }
        state = next;
      }
    }
  });

  it('isValidUTF8 and isValidUTF8IO on long ASCII text with one other byte or sequence anywhere, or none', () => {
    const random = new Random(0xa5c12);
    for (let c = 0; c < CASES; c++) {
      const size = UTF8_NATIVE_THRESHOLD - 200 + random.int(io.length - UTF8_NATIVE_THRESHOLD + 200);
      const data = new Uint8Array(size).fill(0x20 + random.int(0x5f));
      if (random.int(4) !== 0) {
        const ending = ENDINGS[random.int(ENDINGS.length)];
        data.set(ending, random.int(size - ending.length + 1));
      }
      const start = random.int(io.length - size + 1);
      io.set(data, start);
      expect([c, isValidUTF8(data)]).toEqual([c, isUtf8(data)]);
      expect([c, isValidUTF8IO(start, size)]).toEqual([c, isUtf8(data)]);
      const validator = new Utf8Validator();
      expect([c, validator.push(data) && validator.end()]).toEqual([c, isUtf8(data)]);
    }
  });
});

describe('at the crossovers between the kernel and the native validator', () => {
  /** Sequences no valid text has, and an open character (invalid only at the end of a text). */
  const BAD = [[0x80], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xff], [0xe2, 0x82], [0xf0, 0x9f, 0x98]];
  /** Lengths around `edge`: the kernel on one side, the native call on the other. */
  const near = (edge: number, random: Random): number => Math.max(1, edge - 8 + random.int(17));

  it('isValidUTF8IO: an ASCII prefix, then text whose rest is just below, at or above the threshold, damaged at the edges', () => {
    const random = new Random(0xc055);
    for (let c = 0; c < CASES * 4; c++) {
      const ascii = random.int(3) === 0 ? 0 : random.int(2 * UTF8_NATIVE_THRESHOLD);
      const rest = near(UTF8_NATIVE_THRESHOLD, random);
      const data = new Uint8Array(ascii + rest);
      data.fill(0x20 + random.int(0x5f), 0, ascii);
      data.set(utf8Bytes(rest, random.next()), ascii);
      if (random.int(4) !== 0) {
        // At the end of the ASCII prefix, at the threshold measured from either end of the text, or at its end.
        const bad = BAD[random.int(BAD.length)];
        const edges = [ascii, ascii + 1, UTF8_NATIVE_THRESHOLD, data.length - UTF8_NATIVE_THRESHOLD, data.length - bad.length];
        const at = Math.min(Math.max(0, edges[random.int(edges.length)] + random.int(5) - 2), data.length - bad.length);
        data.set(bad, Math.max(0, at));
      }
      // At the region's start in a quarter of the cases (the cached views of io.ts).
      const start = random.int(4) === 0 ? 0 : random.int(io.length - data.length + 1);
      io.set(data, start);
      expect([c, ascii, rest, isValidUTF8IO(start, data.length)]).toEqual([c, ascii, rest, isUtf8(data)]);
      expect([c, ascii, rest, isValidUTF8(data)]).toEqual([c, ascii, rest, isUtf8(data)]);
    }
  });

  it('Utf8Validator: chunks just below, at and above the threshold, a bad sequence at a chunk edge, fails at that chunk', () => {
    const random = new Random(0xc0556);
    for (let c = 0; c < CASES; c++) {
      const chunks: Uint8Array[] = [];
      for (let n = 2 + random.int(5); n > 0; n--) chunks.push(utf8Bytes(random.int(4) === 0 ? 1 + random.int(64) : near(UTF8_NATIVE_THRESHOLD, random), random.next()));
      const data = Buffer.concat(chunks);
      if (random.int(4) !== 0) {
        // Across, just before or just after a chunk edge.
        const bad = BAD[random.int(BAD.length)];
        const edge = chunks.slice(0, 1 + random.int(chunks.length - 1)).reduce((sum, x) => sum + x.length, 0);
        data.set(bad, Math.min(Math.max(0, edge - random.int(bad.length + 2) + 1), data.length - bad.length));
      }
      const bad = firstInvalidLength(data);
      const validator = new Utf8Validator();
      let end = 0;
      for (const chunk of chunks) {
        end += chunk.length;
        expect([c, end, validator.push(data.subarray(end - chunk.length, end))]).toEqual([c, end, end < bad]);
      }
      expect([c, validator.end()]).toEqual([c, isUtf8(data)]);
    }
  });
});

describe('the decoder with long text left to the native validator', () => {
  /** Masked frames of `payload` cut into `fragments`, and where each payload byte lands in the stream. */
  function stream(payload: Uint8Array, fragments: number, random: Random): { bytes: Buffer; at: number[] } {
    const bounds = [0, ...Array.from({ length: fragments - 1 }, () => random.int(payload.length)).sort((a, b) => a - b), payload.length];
    const parts: Buffer[] = [];
    const at: number[] = [];
    let offset = 0;
    for (let f = 0; f + 1 < bounds.length; f++) {
      const frame = wsFrame(payload.subarray(bounds[f], bounds[f + 1]), f === 0 ? 1 : 0, f + 2 === bounds.length, true);
      const header = frame.length - (bounds[f + 1] - bounds[f]);
      for (let i = bounds[f]; i < bounds[f + 1]; i++) at.push(offset + header + (i - bounds[f]));
      parts.push(frame);
      offset += frame.length;
    }
    return { bytes: Buffer.concat(parts), at };
  }

  it('stops with 1007 in the push that brings in the first bad byte, and agrees with the JS twin of the kernel', () => {
    const random = new Random(0xfee1900d);
    const twin = frameCore(fallbackKernels);
    for (let c = 0; c < CASES / 3; c++) {
      const payload = text(UTF8_NATIVE_THRESHOLD + random.int(50_000), random, random.int(4));
      const { bytes, at } = stream(payload, 1 + random.int(3), random);
      const cuts = [...new Set(Array.from({ length: random.int(8) }, () => random.int(bytes.length)))].sort((a, b) => a - b);
      const chunks = [...cuts, bytes.length].map((end, i, all) => bytes.subarray(i === 0 ? 0 : all[i - 1], end));
      const bad = firstInvalidLength(payload);
      // The chunk holding the first bad byte (or, for a truncated character, the message's last byte).
      const failAt = bad === Infinity ? (isUtf8(payload) ? Infinity : bytes.length - 1) : at[bad - 1];
      const { events } = wsframeDecode(chunks, 'server');
      const expected = failAt === Infinity ? [['message', false, `${payload.length}`]] : [['error', 1007, 'WS_ERR_INVALID_UTF8']];
      // A long message digests as `length:hash`: compare its length.
      const got = (digest(events) as unknown[][]).map((e) => (e[0] === 'message' ? [e[0], e[1], String(e[2]).split(':')[0]] : e));
      expect([c, got]).toEqual([c, expected]);
      expect([c, digest(wsframeDecode(chunks, 'server', { core: twin }).events)]).toEqual([c, digest(events)]);
      // Fail-fast: pushed chunk by chunk, the error comes with the chunk that holds stream byte failAt.
      const ends = chunks.map((_, i) => chunks.slice(0, i + 1).reduce((sum, x) => sum + x.length, 0));
      const firstError = ends.findIndex((_, i) => wsframeDecode(chunks.slice(0, i + 1), 'server').decoder.error !== null);
      expect([c, firstError]).toEqual([c, failAt === Infinity ? -1 : ends.findIndex((end) => end > failAt)]);
    }
  });
});
