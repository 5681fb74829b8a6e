/**
 * Moving bytes through the I/O region: the block size of the copy paths, and
 * views of the region's start cached by length. Creating a typed array view
 * costs about 20 ns, as much as masking 256 bytes; the cache is safe because
 * WASM memory never grows, so a view never detaches.
 */
import { io } from './wasm.js';

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

/** `io.subarray(0, length)`, without allocating for lengths up to 4 KiB. */
export function ioHead(length: number): Uint8Array {
  if (length > CACHE_LIMIT) return io.subarray(0, length);
  return (heads[length] ??= io.subarray(0, length));
}
