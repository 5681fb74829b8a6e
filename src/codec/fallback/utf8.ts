/**
 * The plain-TypeScript twin of assembly/utf8.ts (and assembly/utf8-dfa.ts):
 * the scalar UTF-8 automaton with the same state encoding, so it is both the
 * reference the WASM kernels are tested against and the codec's JS path
 * (small inputs, and runtimes without WebAssembly).
 *
 * State (a number, as WASM's u32 result reaches JS): 0 at a character
 * boundary; UTF8_INVALID (-1, i.e. 0xFFFFFFFF as an i32; sticky) once the
 * bytes cannot be a prefix of valid UTF-8; otherwise (continuation bytes
 * still needed << 16) | (highest allowed next byte << 8) | lowest allowed.
 */

import { UTF8_INVALID } from '../layout.js';
import { maskBytes } from './mask.js';

/** Any continuation byte, for all but the first continuation of E0, ED, F0, F4. */
const ANY = 0xbf80;

/** The state after lead byte `b` (≥ 0x80). */
function lead(b: number): number {
  if (b < 0xc2) return UTF8_INVALID; // continuation, or C0/C1 (overlong 2-byte)
  if (b < 0xe0) return (1 << 16) | ANY;
  // E0 80–9F would be overlong; ED A0–BF would be a surrogate.
  if (b < 0xf0) return (2 << 16) | (b === 0xe0 ? 0xbfa0 : b === 0xed ? 0x9f80 : ANY);
  // F0 80–8F would be overlong; F4 90–BF and F5–FF would exceed U+10FFFF.
  if (b < 0xf5) return (3 << 16) | (b === 0xf0 ? 0xbf90 : b === 0xf4 ? 0x8f80 : ANY);
  return UTF8_INVALID;
}

/** The state after byte `b` in state `state` (which is not UTF8_INVALID). */
export function utf8Step(state: number, b: number): number {
  if (state === 0) return b < 0x80 ? 0 : lead(b);
  if (b < (state & 0xff) || b > ((state >> 8) & 0xff)) return UTF8_INVALID;
  const needed = state >> 16;
  return needed > 1 ? ((needed - 1) << 16) | ANY : 0;
}

/**
 * Continues validation over `bytes[start, end)` from `state` and returns the
 * new state (see the module comment); stops early once invalid.
 */
export function validateUtf8Bytes(bytes: Uint8Array, start: number, end: number, state: number): number {
  state |= 0;
  let i = start;
  while (i < end && state !== UTF8_INVALID) {
    if (state === 0) {
      while (i < end && bytes[i] < 0x80) i++;
      if (i === end) break;
    }
    state = utf8Step(state, bytes[i++]);
  }
  return state;
}

/**
 * The twins of the WASM exports `asciiPrefix`, `validateUtf8` and `unmaskValidateUtf8`, with
 * the same signatures, over `memory` (the fallback's linear memory, addressed
 * as the WASM module's is).
 */
export function utf8Kernels(memory: Uint8Array): {
  asciiPrefix(ptr: number, length: number): number;
  validateUtf8(ptr: number, length: number, state: number): number;
  unmaskValidateUtf8(ptr: number, length: number, key: number, phase: number, state: number): number;
} {
  return {
    asciiPrefix(ptr, length) {
      let i = ptr;
      while (i < ptr + length && memory[i] < 0x80) i++;
      return i - ptr;
    },
    validateUtf8(ptr, length, state) {
      return validateUtf8Bytes(memory, ptr, ptr + length, state);
    },
    unmaskValidateUtf8(ptr, length, key, phase, state) {
      maskBytes(memory, ptr, ptr, length, key, phase);
      return validateUtf8Bytes(memory, ptr, ptr + length, state);
    },
  };
}
