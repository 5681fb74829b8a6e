// Kernel-level differential: the SIMD build, the scalar build and the pure-JS
// twins (src/codec/fallback) run the same calls (masking, UTF-8 validation,
// frame decoding) at random addresses in the I/O region and must leave
// identical memory, state and descriptors.
import { isUtf8 } from 'node:buffer';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import {
  DESCRIPTOR_WORDS, D_VIEW, E_UTF8, FLAG_DEFLATE, FLAG_SERVER, PHASE_STOPPED, STATE_WORDS, S_CONSUMED, S_ERROR, S_FLAGS, S_MAX_PAYLOAD, S_PHASE,
  S_PIECE_END, setState64,
} from '../../src/codec/layout.js';
import type { Kernels } from '../../src/codec/wasm.js';
import { Random } from '../support/random.js';
import { FUZZ_SEED, chunking, frames, fuzzRuns, items, split } from '../support/streams.js';
import { sample } from '../support/vectors/utf8.js';

const SEED = Number(process.env.WSFRAME_SEED ?? 0x5eed_0007);

function instantiate(file: string): Kernels {
  const bytes = readFileSync(new URL(`../../build/${file}`, import.meta.url));
  return new WebAssembly.Instance(new WebAssembly.Module(bytes), {}).exports as unknown as Kernels;
}

const implementations: [string, Kernels][] = [
  ['wasm-simd', instantiate('wsframe.wasm')],
  ['wasm', instantiate('wsframe-nosimd.wasm')],
  ['js', fallbackKernels],
];

function region(kernels: Kernels): Uint8Array {
  return new Uint8Array(kernels.memory.buffer, kernels.ioPtr(), kernels.ioSize());
}

describe('kernels: WASM SIMD = WASM scalar = JS twin', () => {
  it(`mask at random addresses, lengths, keys and phases, in place and not (seed ${SEED})`, () => {
    const random = new Random(SEED);
    for (let round = 0; round < 600; round++) {
      const data = random.bytes(65536);
      const length = random.int(2) ? random.int(200) : random.int(32768);
      // The kernel contract: dst is src, or the two ranges do not overlap.
      const src = random.int(65536 - 2 * length);
      const dst = random.int(3) ? src : src + length + random.int(65536 - 2 * length - src);
      const key = random.next();
      const phase = random.int(4);
      const results = implementations.map(([name, kernels]) => {
        const io = region(kernels);
        io.set(data);
        kernels.mask(kernels.ioPtr() + src, kernels.ioPtr() + dst, length, key, phase);
        return [name, io.slice()] as const;
      });
      for (const [name, bytes] of results.slice(1)) {
        expect(Buffer.compare(bytes, results[0][1]), `${name} vs wasm-simd, round ${round}`).toBe(0);
      }
    }
  });
});

/** FNV-1a over `bytes`: a cheap, order-sensitive fingerprint. */
function checksum(bytes: Uint8Array): number {
  let hash = 0x811c9dc5;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 0x01000193);
  return hash >>> 0;
}

describe('kernels: UTF-8 validation, WASM SIMD = WASM scalar = JS twin', () => {
  /**
   * Each implementation's states after validating `bytes` in the given pieces
   * (in the I/O region at `at`), then, when unmasking too, a checksum of the unmasked bytes.
   */
  function states(bytes: Uint8Array, at: number, cuts: number[], key?: number): number[][] {
    return implementations.map(([, kernels]) => {
      const io = region(kernels);
      io.set(bytes, at);
      const out: number[] = [];
      let state = 0;
      let start = 0;
      for (const end of [...cuts, bytes.length]) {
        const ptr = kernels.ioPtr() + at + start;
        state = key === undefined
          ? kernels.validateUtf8(ptr, end - start, state)
          : kernels.unmaskValidateUtf8(ptr, end - start, key, start & 3, state);
        out.push(state);
        start = end;
      }
      if (key !== undefined) out.push(checksum(io.subarray(at, at + bytes.length)));
      return out;
    });
  }

  it('every 1- and 2-byte sequence at offsets across the 16/64-byte blocks', () => {
    const bytes = new Uint8Array(150).fill(0x61);
    for (let a = 0; a < 256; a++) {
      for (let b = 0; b < 256; b++) {
        for (const p of [0, 15, 63, 148]) {
          bytes[p] = a;
          bytes[p + 1] = b;
          const [simd, scalar, js] = states(bytes, 0, []);
          if (simd[0] !== scalar[0] || simd[0] !== js[0]) expect([a, b, p, simd, scalar, js]).toBe('equal states');
          bytes[p] = bytes[p + 1] = 0x61;
        }
      }
    }
  });

  it(`random texts in random pieces, plain and fused with unmasking (seed ${SEED})`, () => {
    const random = new Random(SEED + 1);
    for (let round = 0; round < 400; round++) {
      const bytes = sample(random, random.int(2) ? random.int(200) : random.int(60_000));
      const cuts = [...new Set(Array.from({ length: random.int(6) }, () => random.int(bytes.length + 1)))].sort((x, y) => x - y);
      const at = random.int(65536 - bytes.length + 1);
      const [simd, scalar, js] = states(bytes, at, cuts);
      expect(scalar, `scalar, round ${round}`).toEqual(simd);
      expect(js, `js, round ${round}`).toEqual(simd);
      const key = random.next() | 0;
      const [mSimd, mScalar, mJs] = states(bytes, at, cuts, key);
      expect(mScalar, `unmask scalar, round ${round}`).toEqual(mSimd);
      expect(mJs, `unmask js, round ${round}`).toEqual(mSimd);
    }
  });
});

describe('kernels: asciiPrefix, WASM SIMD = WASM scalar = JS twin', () => {
  it(`ASCII runs of random lengths at random addresses, ending at a byte ≥ 0x80 or not (seed ${SEED})`, () => {
    const random = new Random(SEED + 2);
    for (let round = 0; round < 2000; round++) {
      const length = random.int(2) ? random.int(300) : random.int(65536);
      const at = random.int(65536 - length + 1);
      const data = new Uint8Array(length).map(() => random.int(0x80));
      // One byte ≥ 0x80 (sometimes a second one later), or none.
      const first = random.int(3) ? random.int(length + 1) : length;
      if (first < length) data[first] = 0x80 + random.int(0x80);
      if (first + 1 < length && random.int(2)) data[first + 1 + random.int(length - first - 1)] = 0x80 + random.int(0x80);
      const prefixes = implementations.map(([, kernels]) => {
        region(kernels).set(data, at);
        return kernels.asciiPrefix(kernels.ioPtr() + at, length);
      });
      expect([round, ...prefixes]).toEqual([round, first, first, first]);
    }
  });
});

describe(`kernels: decodeFrames, WASM SIMD = WASM scalar = JS twin (seed ${FUZZ_SEED})`, () => {
  const IO_SIZE = Math.min(...implementations.map(([, kernels]) => kernels.ioSize()));
  /** Calls whose table held a piece with views after it (0 < S_PIECE_END < count): the fuzz reaches the case. */
  let piecesSeen = 0;

  /** Feeds the same chunks to every implementation; state, descriptors and the unmasked input must match. */
  function sameEverywhere(chunks: Uint8Array[], server: boolean, maxPayload: number, at: number, deflate = false): Int32Array {
    const initial = new Int32Array(STATE_WORDS);
    initial[S_FLAGS] = (server ? FLAG_SERVER : 0) | (deflate ? FLAG_DEFLATE : 0);
    setState64(initial, S_MAX_PAYLOAD, maxPayload);
    const states = implementations.map(() => initial.slice());
    for (const chunk of chunks) {
      let offset = 0;
      // The kernel may stop early (full table): call again on the rest, as FrameDecoder does.
      for (let guard = 0; guard < 100; guard++) {
        const n = Math.min(chunk.length - offset, IO_SIZE - at);
        const results = implementations.map(([, kernels], k) => {
          const memory = new Uint8Array(kernels.memory.buffer);
          const input = kernels.ioPtr() + at;
          memory.set(chunk.subarray(offset, offset + n), input);
          const slot = new Int32Array(memory.buffer, kernels.frameStatePtr(), STATE_WORDS);
          slot.set(states[k]);
          const count = kernels.decodeFrames(input, n);
          states[k] = slot.slice();
          return {
            count,
            state: [...states[k]],
            table: [...new Int32Array(memory.buffer, kernels.frameTablePtr(), count * DESCRIPTOR_WORDS)],
            io: Buffer.from(memory.subarray(input, input + n)).toString('hex'),
          };
        });
        for (const [k, result] of results.entries()) expect(result, implementations[k][0]).toEqual(results[0]);
        // S_PIECE_END: one past the call's last descriptor that is not D_VIEW (a piece), 0 when all are views.
        let pieceEnd = 0;
        for (let d = 0; d < results[0].count; d++) if ((results[0].table[d * DESCRIPTOR_WORDS] & D_VIEW) === 0) pieceEnd = d + 1;
        expect(results[0].state[S_PIECE_END], 'S_PIECE_END').toBe(pieceEnd);
        if (pieceEnd !== 0 && pieceEnd < results[0].count) piecesSeen++;
        const consumed = states[0][S_CONSUMED];
        offset += consumed;
        if (offset >= chunk.length || consumed === 0 || states[0][S_PHASE] === PHASE_STOPPED) break;
      }
    }
    return states[0];
  }

  it('short masked text (16–128 bytes, the short path of frame-text.ts): a bad byte at every position, whole or split, as buffer.isUtf8', () => {
    const random = new Random(SEED + 16);
    const bad = [0x80, 0xbf, 0xc0, 0xc1, 0xc2, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff];
    let failed = 0;
    for (const length of [16, 17, 23, 31, 32, 33, 47, 48, 63, 64, 65, 100, 125, 126, 128]) {
      for (let position = -1; position < length; position++) {
        // ASCII with one bad byte, or mixed 1–4-byte text with one (or cut short at `length`); -1: none.
        const text = random.int(2) ? new Uint8Array(length).fill(0x61) : sample(random, length).slice(0, length);
        if (position >= 0) text[position] = bad[random.int(bad.length)];
        const key = Buffer.from([random.int(256), random.int(256), random.int(256), random.int(256)]);
        const header = length < 126 ? [0x81, 0x80 | length] : [0x81, 0x80 | 126, 0, length];
        const frame = Buffer.concat([Buffer.from(header), key, text.map((byte, i) => byte ^ key[i & 3])]);
        const cut = random.int(2) ? frame.length : header.length + 4 + random.int(length);
        const state = sameEverywhere([frame.subarray(0, cut), frame.subarray(cut)], true, 0, random.int(64));
        expect(state[S_ERROR] === E_UTF8, `length ${length}, bad byte at ${position}`).toBe(!isUtf8(text));
        if (state[S_ERROR] === E_UTF8) failed++;
      }
    }
    expect(failed).toBeGreaterThan(500);
  });

  /** A valid stream with a few bytes flipped: most flips hit payloads, some hit headers and trip the checks. */
  function corrupt(stream: Uint8Array, seed: number, flips: number): Uint8Array {
    const random = new Random(seed);
    const out = stream.slice();
    for (let i = 0; i < flips && out.length > 0; i++) out[random.int(out.length)] ^= 1 << random.int(8);
    return out;
  }

  it('valid and corrupted streams, random chunks, random limits and positions in the I/O region', () => {
    piecesSeen = 0;
    fc.assert(
      fc.property(
        items(70_000), chunking, fc.boolean(), fc.integer(), fc.nat(3), fc.constantFrom(0, 0, 64, 1000, 100_000), fc.nat(64),
        (list, how, server, seed, flips, maxPayload, at) => {
          const stream = corrupt(frames(list, server), seed, flips);
          sameEverywhere(split(stream, how), server, maxPayload, at);
        },
      ),
      { seed: FUZZ_SEED + 3, numRuns: fuzzRuns(5000) },
    );
    expect(piecesSeen).toBeGreaterThan(10);
  });

  /** RSV1 set on a random choice of the frames of a valid stream (first frames, continuations, control frames). */
  function rsv1(stream: Uint8Array, seed: number): Uint8Array {
    const random = new Random(seed);
    const out = stream.slice();
    for (let at = 0; at + 2 <= out.length;) {
      if (random.int(2)) out[at] |= 0x40;
      let length = out[at + 1] & 0x7f;
      let size = 2;
      if (length === 126) [length, size] = [(out[at + 2] << 8) | out[at + 3], 4];
      else if (length === 127) [length, size] = [new DataView(out.buffer, out.byteOffset).getUint32(at + 6), 10];
      at += size + (out[at + 1] & 0x80 ? 4 : 0) + length;
    }
    return out;
  }

  it('permessage-deflate agreed or not: RSV1 on random frames, random chunks', () => {
    fc.assert(
      fc.property(items(70_000), chunking, fc.boolean(), fc.integer(), fc.boolean(), fc.nat(64), (list, how, server, seed, deflate, at) => {
        sameEverywhere(split(rsv1(frames(list, server), seed), how), server, 0, at, deflate);
      }),
      { seed: FUZZ_SEED + 5, numRuns: fuzzRuns(2000) },
    );
  });

  it('random bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), chunking, fc.boolean(), fc.boolean(), (bytes, how, server, deflate) => {
        sameEverywhere(split(bytes, how), server, 0, 0, deflate);
      }),
      { seed: FUZZ_SEED + 4, numRuns: fuzzRuns(5000) },
    );
  });

  it('a chunk of more frames than the table holds (several calls)', () => {
    const tiny = new Uint8Array(2 * 9000);
    for (let i = 0; i < tiny.length; i += 2) tiny[i] = 0x8a; // empty unmasked pongs
    sameEverywhere([tiny.subarray(0, IO_SIZE)], false, 0, 0);
  });
});
