// Kernel-level differential: the SIMD build, the scalar build and the pure-JS
// twin (src/codec/fallback) run the same calls at random addresses in the I/O
// region and must leave identical memory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fallbackKernels } from '../../src/codec/fallback/index.js';
import type { Kernels } from '../../src/codec/wasm.js';
import { Random } from '../support/random.js';
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
  it('share the I/O region size', () => {
    for (const [, kernels] of implementations) expect(kernels.ioSize()).toBe(65536);
  });

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
