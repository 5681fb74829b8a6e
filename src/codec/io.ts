/**
 * Moving bytes through the I/O region: the block size of the copy paths, and
 * views of the region's start cached by length. Creating a typed array view
 * costs about 20 ns, as much as masking 256 bytes; the cache is safe because
 * WASM memory never grows, so a view never detaches.
 */
import { IO_PTR, io } from './wasm.js';

/**
 * Bytes per kernel call when a long input is copied through the I/O region
 * (masking, UTF-8 validation): copy in, work and copy out stay in L1/L2 at this
 * size, where one big copy of a multi-MiB input would go to DRAM three times,
 * and an invalid text stops at the first bad block. A multiple of 4, so every
 * block starts at the same masking-key phase.
 */
export const COPY_BLOCK = 16384;

const CACHE_LIMIT = 4096;
const heads: Uint8Array[] = [];
/**
 * Above CACHE_LIMIT: the length last asked for, and one view kept once a length
 * is asked for twice in a row (a stream of equal long messages). Lengths that
 * change every call only store a number: keeping each fresh view would cost
 * more than it saves (a store of a new object into an old one).
 */
let lastLength = 0;
const longHeadKept = [io.subarray(0, 0)];
/** The memory behind io (it never grows): the constructor makes a view faster than `io.subarray` (~60 against ~80 ns). */
const memory = io.buffer;

/** `io.subarray(0, length)`, without allocating for lengths up to 4 KiB or for the same long length again. */
export function ioHead(length: number): Uint8Array {
  // Small enough for V8 to inline into the short paths; the long case is a call of its own.
  return length > CACHE_LIMIT ? longHead(length) : (heads[length] ??= io.subarray(0, length));
}

function longHead(length: number): Uint8Array {
  const kept = longHeadKept[0];
  if (kept.length === length) return kept;
  const view = new Uint8Array(memory, IO_PTR, length);
  if (length !== lastLength) lastLength = length;
  else longHeadKept[0] = view;
  return view;
}
