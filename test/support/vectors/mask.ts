// Masking: RFC 6455 examples, edge sizes, and a seeded differential sample
// against the byte-by-byte reference, at random offsets, phases and sizes.
import { Random } from '../random.js';
import { referenceMask } from '../reference.js';
import { type Case, type Options, checkBytes, checkThrows, hex } from './case.js';

/** Sizes around every path boundary: JS loop, WASM threshold, vector widths, copy blocks, the I/O region. */
const EDGE_SIZES = [0, 1, 3, 4, 5, 7, 8, 15, 16, 17, 63, 64, 65, 127, 128, 129, 255, 1000, 16383, 16384, 16385, 65535, 65536, 65537, 200_003];

function checkMaskInto(codec: Parameters<Case['run']>[0], random: Random, length: number, offset: number, phase: number): void {
  const key = random.bytes(4);
  const before = random.int(9);
  const whole = random.bytes(before + length + 5);
  const source = whole.subarray(before, before + length);
  const output = random.bytes(offset + length + 3);
  const expected = output.slice();
  referenceMask(source, key, expected, offset, length, phase);
  const sourceBefore = whole.slice();
  codec.mask(source, key, output, offset, length, phase);
  checkBytes(output, expected, `mask ${length} B at offset ${offset}, phase ${phase}`);
  checkBytes(whole, sourceBefore, `mask ${length} B left its source alone`);
}

export function maskCases({ seed, scale }: Options): Case[] {
  return [
    {
      name: 'mask: RFC 6455 §5.7 "Hello" example',
      run(codec) {
        const key = hex('37fa213d');
        const masked = hex('7f9f4d5158');
        const data = new TextEncoder().encode('Hello');
        const out = new Uint8Array(5);
        codec.mask(data, key, out, 0, 5);
        checkBytes(out, masked, 'masked Hello');
        codec.unmask(out, key);
        checkBytes(out, data, 'unmasked Hello');
      },
    },
    {
      name: 'mask: edge sizes, every phase, offsets 0..3',
      run(codec) {
        const random = new Random(seed);
        for (const size of EDGE_SIZES) for (let phase = 0; phase < 4; phase++) checkMaskInto(codec, random, size, phase, phase);
      },
    },
    {
      name: `mask/unmask: differential sample, random sizes/offsets/phases (seed ${seed})`,
      run(codec) {
        const random = new Random(seed + 1);
        for (let i = 0; i < 150 * scale; i++) {
          const size = random.int(2) ? random.int(300) : random.int(140_000);
          checkMaskInto(codec, random, size, random.int(16), random.int(4));
          // unmask in random pieces equals unmask in one go.
          const key = random.bytes(4);
          const data = random.bytes(size);
          const whole = data.slice();
          codec.unmask(whole, key);
          for (let at = 0; at < size;) {
            const n = Math.min(size - at, 1 + random.int(5000));
            codec.unmask(data.subarray(at, at + n), key, at & 3);
            at += n;
          }
          checkBytes(data, whole, `unmask ${size} B in pieces`);
        }
      },
    },
    {
      name: 'mask: maskIO works in the I/O region in place',
      run(codec) {
        const random = new Random(seed + 2);
        const key = random.bytes(4);
        const data = random.bytes(codec.IO_SIZE);
        codec.io.set(data);
        codec.maskIO(100, 5000, key, 2);
        const expected = data.slice();
        referenceMask(data.subarray(100, 5100), key, expected, 100, 5000, 2);
        checkBytes(codec.io, expected, 'maskIO');
        checkThrows(() => codec.maskIO(codec.IO_SIZE - 10, 11, key), RangeError, 'maskIO past the region');
      },
    },
    {
      name: 'mask: bad arguments throw before writing',
      run(codec) {
        const output = new Uint8Array(64).fill(9);
        checkThrows(() => codec.mask(new Uint8Array(64), new Uint8Array(3), output, 0, 64), RangeError, 'short key');
        checkThrows(() => codec.mask(new Uint8Array(64), new Uint8Array(4), output, 10, 60), RangeError, 'past output');
        checkThrows(() => codec.unmask('abc' as unknown as Uint8Array, new Uint8Array(4)), TypeError, 'not bytes');
        checkBytes(output, new Uint8Array(64).fill(9), 'output after throwing');
      },
    },
  ];
}
