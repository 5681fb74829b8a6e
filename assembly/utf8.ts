// Streaming UTF-8 validation, alone or fused with RFC 6455 unmasking.
//
// A chunk runs in three parts. (1) The automaton finishes a character begun
// in an earlier chunk (at most 3 bytes). (2) From that character boundary,
// 16-byte blocks go through the Keiser–Lemire step (utf8-lookup.ts); the
// first block sees zeros before it, later ones the real preceding bytes, and
// all-ASCII stretches are skipped 64 or 128 bytes at a time. (3) The blocks'
// verdict covers every character that ends inside them; the driver backs up
// to the start of a character that may run past the last block (at most 3
// bytes) and the automaton finishes the chunk from there, so the returned
// state is exact: UTF8_INVALID as soon as the bytes so far are not a prefix
// of valid UTF-8, and otherwise where the last character stands.

import { mask } from './mask';
import { UTF8_INVALID } from './layout';
import { utf8Scalar } from './utf8-dfa';
import { checkAfter, checkAt, isAscii, isAscii128, isIncomplete, lookup } from './utf8-lookup';

/**
 * How many of the `length` bytes at `ptr` are ASCII before the first that is
 * not (`length` when all are): 128 bytes at a time, then 8, then 1, so text
 * that is not ASCII costs a few steps and ASCII text one pass at SIMD speed.
 */
export function asciiPrefix(ptr: usize, length: usize): usize {
  let p = ptr;
  const end = ptr + length;
  if (ASC_FEATURE_SIMD) while (p + 128 <= end && isAscii128(p)) p += 128;
  for (; p + 8 <= end; p += 8) if ((load<u64>(p) & 0x8080808080808080) != 0) break;
  for (; p < end; p++) if (load<u8>(p) >= 0x80) break;
  return p - ptr;
}

/**
 * Validates `length` bytes at `ptr` as the continuation of a text whose
 * validation state so far is `state` (0 for a new text), and returns the new
 * state: 0 if everything so far is complete, valid UTF-8; 0xFFFFFFFF (sticky)
 * once it cannot be a prefix of valid UTF-8; any other value inside a
 * character that later bytes may complete. One-shot: `validateUtf8(p, n, 0) == 0`.
 */
export function validateUtf8(ptr: usize, length: usize, state: u32): u32 {
  return run(ptr, length, state, false, 0);
}

/**
 * Unmasks `length` bytes at `ptr` in place, as `mask(ptr, ptr, length, key,
 * phase)` does, and validates the unmasked bytes as `validateUtf8` does, in
 * the same pass over memory. Every byte is unmasked, even after an error.
 */
export function unmaskValidateUtf8(ptr: usize, length: usize, key: u32, phase: u32, state: u32): u32 {
  if (ASC_FEATURE_SIMD) return run(ptr, length, state, true, rotr<u32>(key, (phase & 3) << 3));
  mask(ptr, ptr, length, key, phase);
  return run(ptr, length, state, false, 0);
}

/**
 * The driver. With `unmask`, `key` is the masking key rotated so that its low
 * byte applies to `ptr`; every byte is unmasked before it is validated.
 * Inlined into both exports, so `unmask` is a constant in each.
 */
// @ts-ignore: decorator
@inline function run(ptr: usize, length: usize, state: u32, unmask: bool, key: u32): u32 {
  const end = ptr + length;
  if (state == UTF8_INVALID) {
    if (unmask) mask(ptr, ptr, length, key, 0);
    return UTF8_INVALID;
  }
  let p = ptr;
  // (1) Finish the pending character.
  if (state != 0) {
    const n = min<usize>(state >> 16, length);
    if (unmask) mask(p, p, n, key, 0);
    state = utf8Scalar(p, p + n, state);
    p += n;
    if (state != 0) {
      if (unmask) mask(p, p, end - p, key, <u32>(p - ptr));
      return state;
    }
  }
  if (ASC_FEATURE_SIMD) {
    if (end - p >= 16) {
      // (2) Blocks from a character boundary.
      const k = i32x4.splat(rotr<u32>(key, <u32>((p - ptr) & 3) << 3));
      const b1h = lookup(0), b1l = lookup(1), b2h = lookup(2), low = lookup(3), lead3 = lookup(4), lead4 = lookup(5), bit7 = lookup(6);
      // The first block starts at a character boundary: the bytes before it
      // are not this text's, and a boundary reads as zeros.
      let prev = v128.load(p);
      if (unmask) {
        prev = v128.xor(prev, k);
        v128.store(p, prev);
      }
      let error = checkAfter(prev, i8x16.splat(0), b1h, b1l, b2h, low, lead3, lead4, bit7);
      p += 16;
      while (p + 64 <= end) {
        let a = v128.load(p);
        let b = v128.load(p, 16);
        let c = v128.load(p, 32);
        let d = v128.load(p, 48);
        if (unmask) {
          a = v128.xor(a, k);
          b = v128.xor(b, k);
          c = v128.xor(c, k);
          d = v128.xor(d, k);
          v128.store(p, a);
          v128.store(p, b, 16);
          v128.store(p, c, 32);
          v128.store(p, d, 48);
        }
        if (isAscii(v128.or(v128.or(a, b), v128.or(c, d)))) {
          // A character left open by the previous block is cut short here.
          error = v128.or(error, isIncomplete(unmask ? prev : v128.load(p - 16)));
          prev = d;
          p += 64;
          // ASCII tends to come in runs: skip on with nothing else live.
          if (!unmask) while (p + 128 <= end && isAscii128(p)) p += 128;
          continue;
        }
        // One block per iteration: unrolled, V8 interleaves the four blocks
        // and spills registers. The blocks are in L1 (and unmasked) already.
        for (const stop = p + 64; p < stop; p += 16) {
          if (unmask) {
            // Shift in registers: loads spanning the blocks just stored would
            // stall store-to-load forwarding.
            const x = v128.load(p);
            error = v128.or(error, checkAfter(x, prev, b1h, b1l, b2h, low, lead3, lead4, bit7));
            prev = x;
          } else {
            error = v128.or(error, checkAt(p - 3, b1h, b1l, b2h, low, lead3, lead4, bit7));
          }
        }
      }
      while (p + 16 <= end) {
        let a = v128.load(p);
        if (unmask) {
          a = v128.xor(a, k);
          v128.store(p, a);
          error = v128.or(error, checkAfter(a, prev, b1h, b1l, b2h, low, lead3, lead4, bit7));
          prev = a;
        } else {
          error = v128.or(error, checkAt(p - 3, b1h, b1l, b2h, low, lead3, lead4, bit7));
        }
        p += 16;
      }
      if (v128.any_true(error)) {
        if (unmask) mask(p, p, end - p, key, <u32>(p - ptr));
        return UTF8_INVALID;
      }
      // (3) Back up to the start of a character the blocks may have left open;
      // its bytes before p are unmasked already.
      const blocksEnd = p;
      if (load<u8>(p - 1) >= 0xc0) p -= 1;
      else if (load<u8>(p - 2) >= 0xe0) p -= 2;
      else if (load<u8>(p - 3) >= 0xf0) p -= 3;
      state = utf8Scalar(p, blocksEnd, 0);
      p = blocksEnd;
      if (state == UTF8_INVALID) {
        if (unmask) mask(p, p, end - p, key, <u32>(p - ptr));
        return UTF8_INVALID;
      }
    }
  }
  if (unmask) mask(p, p, end - p, key, <u32>(p - ptr));
  return utf8Scalar(p, end, state);
}
