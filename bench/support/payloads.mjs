// The echo benchmark's payload kinds, shared by the load generator and the
// Bun server check: `ascii` (all 'x'), `mixed` (valid UTF-8 cycling 1-, 2-, 3-
// and 4-byte characters, padded with ASCII to the exact size) and `binary`
// (random bytes, sent as binary frames).
import { randomBytes } from 'node:crypto';

export const KINDS = ['ascii', 'mixed', 'binary'];

/** A fresh Buffer of exactly `size` bytes of `kind`. */
export function payload(kind, size) {
  if (kind === 'binary') return randomBytes(size);
  if (kind === 'ascii') return Buffer.alloc(size, 'x');
  if (kind !== 'mixed') throw new Error(`unknown payload kind ${kind}`);
  const cycle = Buffer.from('aé€😀'); // 1 + 2 + 3 + 4 bytes
  const out = Buffer.alloc(size, 'x');
  for (let at = 0; at + cycle.length <= size; at += cycle.length) cycle.copy(out, at);
  // The tail: as many whole characters of the cycle as fit, then ASCII.
  const whole = size - (size % cycle.length);
  let at = whole;
  for (const ch of ['a', 'é', '€']) {
    const b = Buffer.from(ch);
    if (at + b.length > size) break;
    b.copy(out, at);
    at += b.length;
  }
  return out;
}

/** One masked client frame of `size` bytes of `kind` (text for ascii and mixed, binary for binary), as a client sends it. */
export function maskedFrame(kind, size) {
  const data = payload(kind, size);
  const first = kind === 'binary' ? 0x82 : 0x81;
  const header = size < 126 ? Buffer.from([first, 0x80 | size]) : size < 65536 ? Buffer.from([first, 0x80 | 126, size >> 8, size & 0xff]) : Buffer.from([first, 0x80 | 127, 0, 0, 0, 0, size >>> 24, (size >> 16) & 0xff, (size >> 8) & 0xff, size & 0xff]);
  const key = randomBytes(4);
  for (let i = 0; i < size; i++) data[i] ^= key[i & 3];
  return Buffer.concat([header, key, data]);
}
