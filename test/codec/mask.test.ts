import { describe, expect, it } from 'vitest';
import { IO_SIZE, MASK_WASM_THRESHOLD, io, mask, maskIO, unmask } from '../../src/codec/index.js';
import * as bufferutil from '../../src/bufferutil/index.js';
import { COPY_BLOCK } from '../../src/codec/io.js';
import { MASK_BLOCK, MASK_LARGE, keyWord, maskBytes, maskWords } from '../../src/codec/mask.js';
import { referenceMask } from '../support/reference.js';
import { Random } from '../support/random.js';

const SEED = 0x5eed_0002;

/** A view of `length` bytes at a random byteOffset inside a larger, randomly filled buffer. */
function embedded(random: Random, length: number): { view: Uint8Array; whole: Uint8Array } {
  const before = random.int(17);
  const whole = random.bytes(before + length + 17);
  return { view: whole.subarray(before, before + length), whole };
}

function checkMask(random: Random, length: number, offset: number, phase: number): void {
  const key = random.bytes(4);
  const source = embedded(random, length + random.int(3));
  const output = embedded(random, offset + length + random.int(5));
  const expected = output.whole.slice();
  const expectedView = expected.subarray(output.view.byteOffset, output.view.byteOffset + output.view.length);
  referenceMask(source.view, key, expectedView, offset, length, phase);
  const sourceBefore = source.whole.slice();

  mask(source.view, key, output.view, offset, length, phase);

  // Every byte of the output's whole buffer: the written range and everything around it.
  expect(Buffer.compare(output.whole, expected)).toBe(0);
  expect(Buffer.compare(source.whole, sourceBefore)).toBe(0);
}

describe('mask / unmask: differential against the byte-by-byte reference', () => {
  it(`sizes 0..1 MiB + 7, every offset 0..15, every key phase (seed ${SEED})`, () => {
    const random = new Random(SEED);
    const sizes = [0, 1, 2, 3, 4, 5, 7, 8, 15, 16, 17, 31, 32, 33, 47, 48, 63, 64, 65, 127, 128, 129,
      MASK_WASM_THRESHOLD - 1, MASK_WASM_THRESHOLD, 255, 256, 1023, 1024, 16383, 16384, 16385,
      COPY_BLOCK + MASK_BLOCK - 1, COPY_BLOCK + MASK_BLOCK, COPY_BLOCK + MASK_BLOCK + 3, COPY_BLOCK + 2 * MASK_BLOCK + 1,
      IO_SIZE - 1, IO_SIZE, IO_SIZE + 1, 1 << 20, (1 << 20) + 7];
    for (let i = 0; i < 200; i++) sizes.push(random.int((1 << 20) + 8));
    for (let i = 0; i < 400; i++) sizes.push(random.int(4096));
    for (const size of sizes) {
      for (let offset = 0; offset < 16; offset += size > 65536 ? 5 : 1) {
        checkMask(random, size, offset, (size + offset) & 3);
      }
    }
    for (let phase = 0; phase < 4; phase++) for (const size of [0, 3, 100, 1000, 70000]) checkMask(random, size, 1, phase);
  });

  it('16 MiB', () => {
    const random = new Random(SEED + 1);
    checkMask(random, 16 << 20, 3, 1);
  });

  it('in place: source === output, and unmask restores the data', () => {
    const random = new Random(SEED + 2);
    for (const size of [0, 5, 64, MASK_WASM_THRESHOLD + 3, 4096, 100_001]) {
      const key = random.bytes(4);
      const data = embedded(random, size);
      const original = data.view.slice();
      const expected = original.slice();
      referenceMask(original, key, expected, 0, size);
      mask(data.view, key, data.view, 0, size);
      expect(Buffer.compare(data.view, expected)).toBe(0);
      unmask(data.view, key);
      expect(Buffer.compare(data.view, original)).toBe(0);
    }
  });

  it('overlapping views of one buffer behave as if the source were read first', () => {
    const random = new Random(SEED + 3);
    for (const size of [10, 47, 48, 200, 16_384, 16_385, COPY_BLOCK + MASK_BLOCK + 1, 40_000, 70_000]) {
      // As Buffers too: bufferutil's callers pass Buffers, whose slice() is a view, not a copy.
      for (const [shift, asBuffer] of [-9, -1, 1, 5, 16_385].flatMap((s) => [[s, false], [s, true]] as const)) {
        const whole = random.bytes(size + 40_000);
        const base = 20_000;
        const key = random.bytes(4);
        const expected = whole.slice();
        referenceMask(whole.slice(base, base + size), key, expected.subarray(base + shift), 0, size);
        const view = asBuffer ? Buffer.from(whole.buffer, whole.byteOffset, whole.length) : whole;
        mask(view.subarray(base, base + size), key, view.subarray(base + shift), 0, size);
        expect(Buffer.compare(whole, expected)).toBe(0);
      }
    }
  });

  it('maskBytes at start offsets in both arrays (the encoder masks in place after a header), JS loop and WASM blocks', () => {
    const random = new Random(SEED + 6);
    const sizes = [0, 1, MASK_WASM_THRESHOLD - 1, MASK_WASM_THRESHOLD, COPY_BLOCK - 1, COPY_BLOCK, COPY_BLOCK + 1,
      COPY_BLOCK + MASK_BLOCK + 5, IO_SIZE + 3, MASK_LARGE - 1, MASK_LARGE + IO_SIZE + 5];
    for (let i = 0; i < 150; i++) sizes.push(random.int(COPY_BLOCK + 4 * MASK_BLOCK + 8));
    for (const size of sizes) {
      const key = random.bytes(4);
      const phase = random.int(4);
      const sourceAt = random.int(20);
      const source = embedded(random, sourceAt + size + random.int(9));
      const asBuffer = random.int(2) === 1;
      const view = asBuffer ? Buffer.from(source.view.buffer, source.view.byteOffset, source.view.length) : source.view;
      const inPlace = random.int(2) === 1;
      const output = inPlace ? source : embedded(random, random.int(20) + size + random.int(9));
      const outputAt = inPlace ? sourceAt : random.int(output.view.length - size + 1);
      const expected = output.whole.slice();
      const expectedView = expected.subarray(output.view.byteOffset, output.view.byteOffset + output.view.length);
      referenceMask(source.view.subarray(sourceAt), key, expectedView, outputAt, size, phase);
      const sourceBefore = source.whole.slice();

      maskBytes(view, sourceAt, keyWord(key, 0), inPlace ? view : output.view, outputAt, size, phase);

      expect(Buffer.compare(output.whole, expected)).toBe(0);
      if (!inPlace) expect(Buffer.compare(source.whole, sourceBefore)).toBe(0);
    }
  });

  it('maskWords masks in place at any start and length, through a word view of the same memory', () => {
    const random = new Random(SEED + 7);
    for (let i = 0; i < 400; i++) {
      const length = i < 12 ? i : random.int(300);
      const at = random.int(13);
      const whole = random.bytes(4 * Math.ceil((at + length + random.int(9)) / 4));
      const key = random.bytes(4);
      const expected = whole.slice();
      referenceMask(whole.subarray(at), key, expected, at, length);

      maskWords(whole, new Int32Array(whole.buffer, whole.byteOffset, whole.length >>> 2), at, length, keyWord(key, 0));

      expect(Buffer.compare(whole, expected)).toBe(0);
    }
  });

  it('unmask with a phase matches masking the same bytes in pieces', () => {
    const random = new Random(SEED + 4);
    const key = random.bytes(4);
    const data = random.bytes(5000);
    const whole = data.slice();
    unmask(whole, key);
    const pieces = data.slice();
    for (let at = 0; at < pieces.length;) {
      const n = Math.min(pieces.length - at, 1 + random.int(700));
      unmask(pieces.subarray(at, at + n), key, at & 3);
      at += n;
    }
    expect(Buffer.compare(pieces, whole)).toBe(0);
  });

  it('maskIO masks data already in the I/O region, in place', () => {
    const random = new Random(SEED + 5);
    const key = random.bytes(4);
    const data = random.bytes(IO_SIZE);
    io.set(data);
    maskIO(100, 5000, key, 2);
    const expected = data.slice();
    referenceMask(data.subarray(100, 5100), key, expected, 100, 5000, 2);
    expect(Buffer.compare(io, expected)).toBe(0);
    expect(() => maskIO(IO_SIZE - 10, 11, key)).toThrow(RangeError);
  });
});

describe('bad input throws before anything is written', () => {
  const source = new Uint8Array(64).fill(1);
  const key = new Uint8Array([1, 2, 3, 4]);
  const cases: [string, () => void, ErrorConstructor][] = [
    ['short mask', () => mask(source, new Uint8Array(3), new Uint8Array(64), 0, 64), RangeError],
    ['mask not bytes', () => mask(source, [1, 2, 3, 4] as unknown as Uint8Array, new Uint8Array(64), 0, 64), TypeError],
    ['source not bytes', () => mask('abc' as unknown as Uint8Array, key, new Uint8Array(64), 0, 3), TypeError],
    ['output not bytes', () => mask(source, key, {} as Uint8Array, 0, 3), TypeError],
    ['length past source', () => mask(source, key, new Uint8Array(200), 0, 65), RangeError],
    ['offset + length past output', () => mask(source, key, new Uint8Array(64), 1, 64), RangeError],
    ['negative offset', () => mask(source, key, new Uint8Array(64), -1, 4), RangeError],
    ['fractional length', () => mask(source, key, new Uint8Array(64), 0, 2.5), RangeError],
    ['length not a number', () => mask(source, key, new Uint8Array(64), 0, '4' as unknown as number), TypeError],
    ['unmask short mask', () => unmask(new Uint8Array(64), new Uint8Array(2)), RangeError],
    ['unmask not bytes', () => unmask(new ArrayBuffer(8) as unknown as Uint8Array, key), TypeError],
  ];
  for (const [name, call, type] of cases) {
    it(name, () => {
      expect(call).toThrow(type);
    });
  }

  it('leaves the output untouched when it throws', () => {
    const output = new Uint8Array(64).fill(9);
    expect(() => mask(source, key, output, 10, 60)).toThrow(RangeError);
    expect(output.every((b) => b === 9)).toBe(true);
  });

  it('the bufferutil entry is the same checked implementation', () => {
    expect(() => bufferutil.mask(source, new Uint8Array(0), new Uint8Array(64), 0, 64)).toThrow(RangeError);
    const output = new Uint8Array(64);
    bufferutil.mask(source, key, output, 0, 64);
    expect(output[0]).toBe(1 ^ 1);
    expect(output[1]).toBe(1 ^ 2);
  });
});
