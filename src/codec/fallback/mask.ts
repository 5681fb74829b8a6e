// Twin of assembly/mask.ts, byte by byte: out[i] = in[i] ^ key[(i + phase) & 3].
import { heap } from './memory.js';

/**
 * XORs `length` bytes at `src` into `dst` (which may equal `src`) with the
 * 4-byte key `key` (little-endian u32), starting `phase` bytes into the key.
 */
export function mask(src: number, dst: number, length: number, key: number, phase: number): void {
  for (let i = 0; i < length; i++) {
    heap[dst + i] = heap[src + i] ^ (key >>> (((i + phase) & 3) << 3));
  }
}
