// The scalar UTF-8 automaton (RFC 3629 §4), one byte per step. It rejects a
// byte as soon as it cannot continue a valid prefix, so a streaming caller
// fails fast. It runs where blocks cannot: the few bytes that finish a
// character begun in an earlier chunk, and the tail after the last block.
//
// State: 0 at a character boundary; UTF8_INVALID (sticky) after an error;
// otherwise (continuation bytes still needed << 16) | (highest allowed next
// byte << 8) | lowest allowed next byte. src/codec/fallback/utf8.ts uses the
// same encoding, so states move freely between the two implementations.

import { UTF8_INVALID } from './layout';

/** Any continuation byte, for all but the first continuation of E0, ED, F0, F4. */
const ANY: u32 = 0xbf80;

/** The state after lead byte `b` (≥ 0x80). */
// @ts-ignore: decorator
@inline function lead(b: u32): u32 {
  if (b < 0xc2) return UTF8_INVALID; // continuation, or C0/C1 (overlong 2-byte)
  if (b < 0xe0) return (1 << 16) | ANY;
  if (b < 0xf0) {
    // E0 80–9F would be overlong; ED A0–BF would be a surrogate.
    return (2 << 16) | (b == 0xe0 ? 0xbfa0 : b == 0xed ? 0x9f80 : ANY);
  }
  // F0 80–8F would be overlong; F4 90–BF and F5–FF would exceed U+10FFFF.
  if (b < 0xf5) return (3 << 16) | (b == 0xf0 ? 0xbf90 : b == 0xf4 ? 0x8f80 : ANY);
  return UTF8_INVALID;
}

/** The state after byte `b` in state `state` (which is not UTF8_INVALID). */
// @ts-ignore: decorator
@inline export function utf8Step(state: u32, b: u32): u32 {
  if (state == 0) return b < 0x80 ? 0 : lead(b);
  if (b < (state & 0xff) || b > ((state >> 8) & 0xff)) return UTF8_INVALID;
  const needed = state >> 16;
  return needed > 1 ? ((needed - 1) << 16) | ANY : 0;
}

/**
 * Runs the automaton over `[p, end)`, returning early once invalid. At a
 * character boundary it skips ASCII 8 bytes at a time (the whole input, in
 * the build without SIMD).
 */
// @ts-ignore: decorator
@inline export function utf8Scalar(p: usize, end: usize, state: u32): u32 {
  while (p < end) {
    if (state == 0) {
      while (p + 8 <= end && (load<u64>(p) & 0x8080808080808080) == 0) p += 8;
      if (p == end) break;
    }
    state = utf8Step(state, load<u8>(p++));
    if (state == UTF8_INVALID) break;
  }
  return state;
}
