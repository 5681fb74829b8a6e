// One 16-byte step of the lookup algorithm of Keiser & Lemire, "Validating
// UTF-8 In Less Than One Instruction Per Byte" (Software: Practice and
// Experience, 2021), as in simdjson and simdutf. Every error shows up in a
// pair of adjacent bytes, classified by three 16-entry tables indexed by the
// high nibble of the first byte, the low nibble of the first byte and the high
// nibble of the second; a bit survives the AND of the three lookups only if
// the pair is invalid for the reason that bit names. Only used inside
// `if (ASC_FEATURE_SIMD)`, so the non-SIMD build never compiles it.

// Error classes of a byte pair (first byte, second byte).
const TOO_SHORT: u8 = 1 << 0; // 11______ 0_______ or 11______ 11______: a lead without its continuation
const TOO_LONG: u8 = 1 << 1; // 0_______ 10______: a continuation after ASCII
const OVERLONG_3: u8 = 1 << 2; // 11100000 100_____
const TOO_LARGE: u8 = 1 << 3; // 11110100 1001____ and up: above U+10FFFF
const SURROGATE: u8 = 1 << 4; // 11101101 101_____: U+D800–U+DFFF
const OVERLONG_2: u8 = 1 << 5; // 1100000_ 10______
const TOO_LARGE_1000: u8 = 1 << 6; // 11110101 1000____ and up (F5–FF leads)
const OVERLONG_4: u8 = 1 << 6; // 11110000 1000____ (shares the bit: the low nibble tells them apart)
const TWO_CONTS: u8 = 1 << 7; // 10______ 10______: valid only as the 3rd/4th byte of a character
// Classes decided by the first byte's high nibble alone.
const CARRY: u8 = TOO_SHORT | TOO_LONG | TWO_CONTS;

// The step's vector constants live in memory and are loaded once per kernel
// call, not written as v128.const: V8's Turboshaft WebAssembly compiler (the
// default from V8 13, Node 24 and 26; behind --turboshaft-wasm in Node 22's
// 12.4) re-creates a 128-bit constant at every use, inside loops too (two
// 64-bit immediates moved into a vector register per table, a 64-bit load and
// a shuffle per splat: about 20 extra instructions per 16-byte block). That
// ran the kernel at 4.6 GB/s on Node 24 and 26 against 10 on Node 20 and 22,
// whose TurboFan keeps the constants in registers. Loaded once before the
// loop, they are ordinary values and stay in registers on every V8.
const LOOKUP: usize = memory.data<u8>([
  // byte1High: indexed by the first byte's high nibble.
  TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, TOO_LONG, // 0___ ASCII
  TWO_CONTS, TWO_CONTS, TWO_CONTS, TWO_CONTS, // 10__ continuation
  TOO_SHORT | OVERLONG_2, // 1100 two-byte lead
  TOO_SHORT, // 1101 two-byte lead
  TOO_SHORT | OVERLONG_3 | SURROGATE, // 1110 three-byte lead
  TOO_SHORT | TOO_LARGE | TOO_LARGE_1000 | OVERLONG_4, // 1111 four-byte lead (or F8–FF)
  // byte1Low: indexed by the first byte's low nibble.
  CARRY | OVERLONG_3 | OVERLONG_2 | OVERLONG_4, // ____0000
  CARRY | OVERLONG_2, // ____0001
  CARRY, CARRY, // ____001_
  CARRY | TOO_LARGE, // ____0100
  CARRY | TOO_LARGE | TOO_LARGE_1000, // ____0101
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // ____011_
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000, // ____1___
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000,
  CARRY | TOO_LARGE | TOO_LARGE_1000 | SURROGATE, // ____1101
  CARRY | TOO_LARGE | TOO_LARGE_1000, CARRY | TOO_LARGE | TOO_LARGE_1000,
  // byte2High: indexed by the second byte's high nibble.
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, // 0___ ASCII
  TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE_1000 | OVERLONG_4, // 1000
  TOO_LONG | OVERLONG_2 | TWO_CONTS | OVERLONG_3 | TOO_LARGE, // 1001
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE, // 101_
  TOO_LONG | OVERLONG_2 | TWO_CONTS | SURROGATE | TOO_LARGE,
  TOO_SHORT, TOO_SHORT, TOO_SHORT, TOO_SHORT, // 11__ lead
  // Splats: the low-nibble mask, the two thresholds of `must23` and its bit.
  0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f, 0x0f,
  0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60, 0x60,
  0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70, 0x70,
  0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80,
], 16);

/**
 * LOOKUP's constant `i` (0–6): the three tables, the low-nibble mask, the
 * thresholds of 3- and 4-byte leads and bit 7, the order in which `checkAfter`
 * and `checkAt` take them. Load all seven before a block loop.
 */
// @ts-ignore: decorator
@inline export function lookup(i: i32): v128 {
  return v128.load(LOOKUP + (<usize>i << 4));
}

/**
 * The errors of block `input`, given the blocks shifted back by one, two and
 * three bytes (the bytes before a character boundary read as zeros): nonzero
 * lanes mark invalid bytes. A character that runs past the end of `input` is
 * not an error here (see `isIncomplete`). `b1h` … `bit7`: LOOKUP's constants.
 */
// @ts-ignore: decorator
@inline function check(input: v128, prev1: v128, prev2: v128, prev3: v128,
  b1h: v128, b1l: v128, b2h: v128, low: v128, lead3: v128, lead4: v128, bit7: v128): v128 {
  const special = v128.and(
    v128.and(
      i8x16.swizzle(b1h, v128.and(i16x8.shr_u(prev1, 4), low)),
      i8x16.swizzle(b1l, v128.and(prev1, low)),
    ),
    i8x16.swizzle(b2h, v128.and(i16x8.shr_u(input, 4), low)),
  );
  // TWO_CONTS is right exactly where the byte two back is a 3- or 4-byte lead
  // or the byte three back is a 4-byte lead: sub_sat leaves bit 7 set only there.
  const must23 = v128.or(i8x16.sub_sat_u(prev2, lead3), i8x16.sub_sat_u(prev3, lead4));
  return v128.xor(v128.and(must23, bit7), special);
}

/** `check` for block `input` after block `prev`, shifting in registers. */
// @ts-ignore: decorator
@inline export function checkAfter(input: v128, prev: v128,
  b1h: v128, b1l: v128, b2h: v128, low: v128, lead3: v128, lead4: v128, bit7: v128): v128 {
  return check(
    input,
    i8x16.shuffle(prev, input, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30),
    i8x16.shuffle(prev, input, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29),
    i8x16.shuffle(prev, input, 13, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28),
    b1h, b1l, b2h, low, lead3, lead4, bit7,
  );
}

/**
 * `check` for the block at `p + 3`, whose 3 preceding bytes are in the text:
 * unaligned loads instead of shuffles, which compete with the lookups for the
 * same vector ports. Based 3 bytes back so every offset is a positive
 * immediate that folds into the load's address.
 */
// @ts-ignore: decorator
@inline export function checkAt(base: usize,
  b1h: v128, b1l: v128, b2h: v128, low: v128, lead3: v128, lead4: v128, bit7: v128): v128 {
  return check(v128.load(base, 3), v128.load(base, 2), v128.load(base, 1), v128.load(base), b1h, b1l, b2h, low, lead3, lead4, bit7);
}

/**
 * Nonzero if `input` ends inside a character: a lead in the last byte, a
 * 3- or 4-byte lead in the second-to-last or a 4-byte lead in the third-to-last.
 */
// @ts-ignore: decorator
@inline export function isIncomplete(input: v128): v128 {
  return i8x16.sub_sat_u(input, i8x16(-1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, <i8>0xef, <i8>0xdf, <i8>0xbf));
}

/** Whether every byte of `input` is ASCII. */
// @ts-ignore: decorator
@inline export function isAscii(input: v128): bool {
  return i8x16.bitmask(input) == 0;
}

/** Whether the 128 bytes at `p` are all ASCII. */
// @ts-ignore: decorator
@inline export function isAscii128(p: usize): bool {
  const x = v128.or(
    v128.or(v128.or(v128.load(p), v128.load(p, 16)), v128.or(v128.load(p, 32), v128.load(p, 48))),
    v128.or(v128.or(v128.load(p, 64), v128.load(p, 80)), v128.or(v128.load(p, 96), v128.load(p, 112))),
  );
  return isAscii(x);
}
