// Twin of assembly/mask.ts, byte by byte: out[i] = in[i] ^ key[(i + phase) & 3].
import { heap } from './memory.js';

/**
 * XORs `length` bytes at `src` into `dst` (which may equal `src`) with the
 * 4-byte key `key` (little-endian u32), starting `phase` bytes into the key.
 */
export function mask(src: number, dst: number, length: number, key: number, phase: number): void {
  maskBytes(heap, src, dst, length, key, phase);
}

/** {@link mask} over any byte array addressed like the heap (the UTF-8 twin runs over other memories in tests). */
export function maskBytes(bytes: Uint8Array, src: number, dst: number, length: number, key: number, phase: number): void {
  for (let i = 0; i < length; i++) {
    bytes[dst + i] = bytes[src + i] ^ (key >>> (((i + phase) & 3) << 3));
  }
}
