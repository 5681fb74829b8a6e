// Kernel-level differential: the SIMD build, the scalar build and the pure-JS
// twin (src/codec/fallback) run the same calls at random addresses in the I/O
// region and must leave identical memory.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fallbackKernels } from '../src/codec/fallback/index.js';
import type { Kernels } from '../src/codec/wasm.js';
import { Random } from './support/random.js';

const SEED = Number(process.env.WSFRAME_SEED ?? 0x5eed_0007);

function instantiate(file: string): Kernels {
  const bytes = readFileSync(new URL(`../build/${file}`, import.meta.url));
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
