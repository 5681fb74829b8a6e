/**
 * RFC 6455 §5.3 masking, with the semantics of the `bufferutil` package:
 * `output[offset + i] = source[i] ^ mask[(i + phase) & 3]` for `i < length`.
 */
import { assertBytes, assertIndex } from './bytes.js';
import { COPY_BLOCK, ioHead } from './io.js';
import { IO_PTR, IO_SIZE, io, kernels } from './wasm.js';

/**
 * Below this many bytes a JS loop beats the WASM kernel, whose call and two
 * copies cost a fixed ~35 ns (measured by bench/mask.bench.mjs, "crossover").
 */
export const MASK_WASM_THRESHOLD = 48;
/** MASK_WASM_THRESHOLD as an unexported const, which V8 folds into maskBytes (see frame-writer.ts). */
const WASM_FROM = MASK_WASM_THRESHOLD;

function assertKey(key: unknown): asserts key is Uint8Array {
  assertBytes(key, 'mask');
  if (key.length < 4) throw new RangeError(`mask must be at least 4 bytes, got ${key.length}`);
}

/**
 * The key at key[keyAt] as a little-endian 32-bit word, the form every masking
 * function here takes (and the WASM kernel expects): key byte j is
 * `(word >>> 8 * j) & 0xff`. Held in a register, the key costs no memory reads.
 */
export function keyWord(key: Uint8Array, keyAt: number): number {
  return key[keyAt] | (key[keyAt + 1] << 8) | (key[keyAt + 2] << 16) | (key[keyAt + 3] << 24);
}

/**
 * Whether the output starts inside the source's `length` bytes, after their
 * start: then a front-to-back pass would overwrite bytes it has not read yet.
 * Views of different buffers never overlap, so a false positive only costs a
 * copy. Comparing offsets avoids reading `.buffer`, which costs ~15 ns; each
 * `byteOffset` read still costs ~8 ns (Node 20), so callers ask only where
 * the answer matters (see readsWholeFirst).
 */
function outputInside(source: Uint8Array, output: Uint8Array, offset: number, length: number): boolean {
  const from = source.byteOffset;
  const to = output.byteOffset + offset;
  return to > from && to < from + length;
}

/**
 * The JS loop, front to back, without checks: `output[outputAt + i] =
 * source[sourceAt + i] ^ key byte ((i + phase) & 3)` of the key word `key`
 * (keyWord). Safe in place and whenever the output does not start inside the
 * source's unread bytes. Small on purpose: V8 inlines it into the encoder's
 * short-frame path only while the whole path fits its inlining budget.
 */
export function xorForward(
  source: Uint8Array, sourceAt: number, key: number, output: Uint8Array, outputAt: number, length: number, phase: number,
): void {
  // Rotated so that its low byte is key byte `phase`. A byte store keeps the
  // low 8 bits of what it is given, so `x ^ (k >>> 8)` needs no `& 0xff`.
  const shift = (phase & 3) << 3;
  const k = shift === 0 ? key : (key >>> shift) | (key << (32 - shift));
  let i = 0;
  for (; i + 4 <= length; i += 4) {
    output[outputAt + i] = source[sourceAt + i] ^ k;
    output[outputAt + i + 1] = source[sourceAt + i + 1] ^ (k >>> 8);
    output[outputAt + i + 2] = source[sourceAt + i + 2] ^ (k >>> 16);
    output[outputAt + i + 3] = source[sourceAt + i + 3] ^ (k >>> 24);
  }
  for (; i < length; i++) output[outputAt + i] = source[sourceAt + i] ^ (k >>> ((i & 3) << 3));
}

/**
 * Masks `b[at, at + length)` in place with the key word `key`: bytes up to a
 * 4-byte boundary, then whole words of `words` (the same memory, little-endian,
 * with `b[0]` on a word boundary), then the last bytes. A word XOR is one load and
 * one store for 4 bytes, and needs no call into WASM and no copy to its memory:
 * the encoder masks short strings it has just written into its batch this way.
 */
export function maskWords(b: Uint8Array, words: Int32Array, at: number, length: number, key: number): void {
  const end = at + length;
  let p = at;
  const aligned = Math.min((at + 3) & ~3, end);
  for (; p < aligned; p++) b[p] ^= key >>> ((p - at) << 3);
  // Rotated so that its low byte is the key byte of b[p].
  const shift = ((p - at) & 3) << 3;
  const k = shift === 0 ? key : (key >>> shift) | (key << (32 - shift));
  const last = end >> 2;
  for (let w = p >> 2; w < last; w++) words[w] ^= k;
  for (let j = 0, q = Math.max(p, last << 2); q < end; q++, j += 8) b[q] ^= k >>> j;
}

/**
 * Bytes per kernel call when maskWasm splits an input longer than COPY_BLOCK:
 * the block copied in, XORed and copied out stays in a 32 KiB L1 data cache
 * together with the source's and the output's bytes of it (64 KiB and 1 MiB:
 * ~1.2x faster than 16 KiB blocks). Shorter inputs go in one block: splitting
 * them costs another round of calls that L1 does not repay (12 KiB as 8 + 4 KiB:
 * 0.85x). A multiple of 4, so every block starts at the same key phase.
 */
export const MASK_BLOCK = 8192;

/**
 * From this many bytes, when the output is another array, the blocks are the
 * whole I/O region: source and output (twice this) stream from memory, where
 * L1 locality buys nothing and longer copies stream better. Against the old
 * 16 KiB blocks, mask 8 and 16 MiB: 64 KiB blocks 0.93-1.15x in five runs,
 * 8 KiB ones 0.79-0.92x; mask 4 MiB: 8 KiB blocks 1.16-1.26x, 64 KiB ones
 * 1.02-1.13x. In place (unmask) 8 KiB blocks stay ahead: 16 MiB 1.04-1.41x,
 * 64 KiB blocks 1.02-1.11x.
 */
export const MASK_LARGE = 8 << 20;

/** The I/O region's first MASK_BLOCK bytes: the copy-out view of every full block, made once. */
const blockHead = ioHead(MASK_BLOCK);

/**
 * The WASM path (the crossover benchmark times it against xorForward): the
 * bytes go through the I/O region block by block, front to back, so it has
 * xorForward's overlap rule; `key` is the little-endian key word.
 */
export function maskWasm(
  source: Uint8Array, sourceAt: number, key: number, output: Uint8Array, outputAt: number, length: number, phase: number,
): void {
  if (length <= COPY_BLOCK) {
    // The common case, without the loop's bookkeeping: one block, read whole before anything is written.
    io.set(sourceAt === 0 && length === source.length ? source : source.subarray(sourceAt, sourceAt + length));
    kernels.mask(IO_PTR, IO_PTR, length, key, phase);
    output.set(ioHead(length), outputAt);
    return;
  }
  maskBlocks(source, sourceAt, key, output, outputAt, length, phase);
}

/** maskWasm above COPY_BLOCK: a function of its own, so that maskWasm stays small enough to inline. */
function maskBlocks(
  source: Uint8Array, sourceAt: number, key: number, output: Uint8Array, outputAt: number, length: number, phase: number,
): void {
  const block = length >= MASK_LARGE && output !== source ? IO_SIZE : MASK_BLOCK;
  // Plain Uint8Array views of the source's blocks: a Buffer's subarray goes
  // through its species constructor and costs twice as much.
  const buffer = source.buffer;
  const base = source.byteOffset + sourceAt;
  for (let start = 0; start < length; start += block) {
    const n = Math.min(block, length - start);
    io.set(new Uint8Array(buffer, base + start, n));
    kernels.mask(IO_PTR, IO_PTR, n, key, phase);
    output.set(n === MASK_BLOCK ? blockHead : ioHead(n), outputAt + start);
  }
}

/**
 * Masks without checking arguments: `output[outputAt + i] = source[sourceAt + i]
 * ^ key byte ((i + phase) & 3)` of the key word `key` (keyWord) for `i < length`,
 * in place or with the output not starting inside the source's unread bytes
 * (xorForward's rule). The one place that picks the JS loop (short inputs) or
 * the WASM kernel.
 */
export function maskBytes(
  source: Uint8Array, sourceAt: number, key: number, output: Uint8Array, outputAt: number, length: number, phase: number,
): void {
  if (length < WASM_FROM) xorForward(source, sourceAt, key, output, outputAt, length, phase);
  else maskWasm(source, sourceAt, key, output, outputAt, length, phase & 3);
}

/** A copy of `source`'s first `length` bytes, also when `source` is a Buffer. */
function copyOf(source: Uint8Array, length: number): Uint8Array {
  return Uint8Array.prototype.slice.call(source, 0, length);
}

/**
 * Whether maskBytes reads all `length` source bytes before it writes any: a
 * single block copied into the I/O region. Then overlapping views are safe as
 * they are; the JS loop and the block loop go front to back and are not.
 */
function readsWholeFirst(length: number): boolean {
  return length >= MASK_WASM_THRESHOLD && length <= COPY_BLOCK;
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
  // Overlapping views with the output ahead (allowed, rare): mask from a copy of the source.
  // Uint8Array's slice, not the argument's: Buffer#slice is a view of the same memory.
  const from = readsWholeFirst(length) || !outputInside(source, output, offset, length) ? source : copyOf(source, length);
  maskBytes(from, 0, keyWord(mask, 0), output, offset, length, phase);
}

/**
 * Unmasks `buffer` in place (masking is its own inverse).
 * @throws {TypeError|RangeError} on a bad argument, before anything is written
 */
export function unmask(buffer: Uint8Array, mask: Uint8Array, phase = 0): void {
  assertBytes(buffer, 'buffer');
  assertKey(mask);
  assertIndex(phase, 'phase');
  maskBytes(buffer, 0, keyWord(mask, 0), buffer, 0, buffer.length, phase);
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
  kernels.mask(IO_PTR + start, IO_PTR + start, length, keyWord(mask, 0), phase & 3);
}
