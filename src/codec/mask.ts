/**
 * RFC 6455 §5.3 masking, with the semantics of the `bufferutil` package:
 * `output[offset + i] = source[i] ^ mask[(i + phase) & 3]` for `i < length`.
 */
import { assertBytes, assertIndex } from './bytes.js';
import { ioHead } from './io.js';
import { IO_PTR, IO_SIZE, io, kernels } from './wasm.js';

/**
 * Below this many bytes a JS loop beats the WASM kernel, whose call and two
 * copies cost a fixed ~35 ns (measured by bench/mask.bench.mjs, "crossover").
 */
export const MASK_WASM_THRESHOLD = 48;

/**
 * Bytes per kernel call on the copy path. Copy in, XOR, copy out stay in L1/L2
 * at this size; one big copy of a multi-MiB input would go to DRAM three times.
 */
const COPY_BLOCK = 16384;

function assertKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'mask');
  if (key.length < 4) throw new RangeError(`mask must be at least 4 bytes, got ${key.length}`);
}

/** The key as a little-endian 32-bit word: the layout the WASM kernel expects. */
function keyWord(key: Uint8Array): number {
  return key[0] | (key[1] << 8) | (key[2] << 16) | (key[3] << 24);
}

/**
 * Whether the output starts after the source. Views of different buffers make
 * any order safe; views of one buffer need a backward pass in that case (as
 * memmove does). Comparing offsets avoids reading `.buffer`, which costs ~15 ns.
 */
function outputAhead(source: Uint8Array, output: Uint8Array, offset: number): boolean {
  return output.byteOffset + offset > source.byteOffset;
}

/**
 * The JS loop, front to back, without checks: `output[outputAt + i] =
 * source[sourceAt + i] ^ key[keyAt + ((i + phase) & 3)]`. The key may sit
 * anywhere in `key` (the encoder draws keys from a pool). Safe in place and
 * whenever the output does not start inside the source's unread bytes.
 */
export function xorForward(
  source: Uint8Array, sourceAt: number, key: Uint8Array, keyAt: number,
  output: Uint8Array, outputAt: number, length: number, phase: number,
): void {
  const k0 = key[keyAt + (phase & 3)];
  const k1 = key[keyAt + ((phase + 1) & 3)];
  const k2 = key[keyAt + ((phase + 2) & 3)];
  const k3 = key[keyAt + ((phase + 3) & 3)];
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    output[outputAt + i] = source[sourceAt + i] ^ k0;
    output[outputAt + i + 1] = source[sourceAt + i + 1] ^ k1;
    output[outputAt + i + 2] = source[sourceAt + i + 2] ^ k2;
    output[outputAt + i + 3] = source[sourceAt + i + 3] ^ k3;
  }
  if (i < length) output[outputAt + i] = source[sourceAt + i] ^ k0;
  if (i + 1 < length) output[outputAt + i + 1] = source[sourceAt + i + 1] ^ k1;
  if (i + 2 < length) output[outputAt + i + 2] = source[sourceAt + i + 2] ^ k2;
}

/** The JS path for any overlap, exported for the crossover benchmark. */
export function maskJS(source: Uint8Array, key: Uint8Array, output: Uint8Array, offset: number, length: number, phase: number): void {
  if (outputAhead(source, output, offset)) {
    for (let i = length - 1; i >= 0; i--) output[offset + i] = source[i] ^ key[(i + phase) & 3];
  } else {
    xorForward(source, 0, key, 0, output, offset, length, phase);
  }
}

/** The WASM path, exported for the crossover benchmark. */
export function maskWasm(source: Uint8Array, key: number, output: Uint8Array, offset: number, length: number, phase: number): void {
  if (length <= COPY_BLOCK) {
    // One block is read whole before anything is written: overlap is harmless.
    io.set(length === source.length ? source : source.subarray(0, length));
    kernels.mask(IO_PTR, IO_PTR, length, key, phase);
    output.set(ioHead(length), offset);
    return;
  }
  // Block order that never overwrites source bytes not yet read (memmove's rule).
  // COPY_BLOCK is a multiple of 4, so every block starts at the same key phase.
  const blocks = Math.ceil(length / COPY_BLOCK);
  const backward = outputAhead(source, output, offset);
  for (let b = 0; b < blocks; b++) {
    const start = (backward ? blocks - 1 - b : b) * COPY_BLOCK;
    const n = Math.min(COPY_BLOCK, length - start);
    io.set(source.subarray(start, start + n));
    kernels.mask(IO_PTR, IO_PTR, n, key, phase);
    output.set(n === COPY_BLOCK ? ioHead(COPY_BLOCK) : io.subarray(0, n), offset + start);
  }
}

/**
 * Masks `length` bytes of `source` into `output` starting at `offset`; no other
 * byte of `output` changes. `source` and `output` may be the same array or
 * overlapping views. `phase` (0–3) is the key byte the first byte is XORed with.
 * @throws {TypeError|RangeError} on a bad argument, before anything is written
 */
export function mask(source: Uint8Array, mask: Uint8Array, output: Uint8Array, offset: number, length: number, phase = 0): void {
  assertBytes(source, 'source');
  assertKey(mask);
  assertBytes(output, 'output');
  assertIndex(offset, 'offset');
  assertIndex(length, 'length');
  assertIndex(phase, 'phase');
  if (length > source.length) {
    throw new RangeError(`length ${length} is past the end of source (${source.length} bytes)`);
  }
  if (offset + length > output.length) {
    throw new RangeError(`offset ${offset} + length ${length} is past the end of output (${output.length} bytes)`);
  }
  if (length < MASK_WASM_THRESHOLD) maskJS(source, mask, output, offset, length, phase);
  else maskWasm(source, keyWord(mask), output, offset, length, phase & 3);
}

/**
 * Unmasks `buffer` in place (masking is its own inverse).
 * @throws {TypeError|RangeError} on a bad argument, before anything is written
 */
export function unmask(buffer: Uint8Array, mask: Uint8Array, phase = 0): void {
  assertBytes(buffer, 'buffer');
  assertKey(mask);
  assertIndex(phase, 'phase');
  if (buffer.length < MASK_WASM_THRESHOLD) maskJS(buffer, mask, buffer, 0, buffer.length, phase);
  else maskWasm(buffer, keyWord(mask), buffer, 0, buffer.length, phase & 3);
}

/**
 * Masks `io[start, start + length)` in place, for data already in WASM memory:
 * no copies, only the kernel.
 * @throws {TypeError|RangeError} when the range leaves the I/O region
 */
export function maskIO(start: number, length: number, mask: Uint8Array, phase = 0): void {
  assertIndex(start, 'start');
  assertIndex(length, 'length');
  assertKey(mask);
  assertIndex(phase, 'phase');
  if (start + length > IO_SIZE) {
    throw new RangeError(`start ${start} + length ${length} is past the end of the I/O region (${IO_SIZE} bytes)`);
  }
  kernels.mask(IO_PTR + start, IO_PTR + start, length, keyWord(mask), phase & 3);
}
