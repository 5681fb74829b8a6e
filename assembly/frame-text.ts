// The one place the frame decoder touches text payloads: unmask (when masked)
// and validate UTF-8 in the same pass, carrying the validator state.
import { mask } from './mask';
import { asciiPrefix, unmaskValidateUtf8, validateUtf8 } from './utf8';

/**
 * Pieces up to this long (most chat and JSON messages) skip the streaming
 * driver, whose block loop and tail steps cost more than the bytes themselves.
 */
const SHORT: usize = 128;

/** Whether the `length` bytes at `ptr` are ASCII: 8 at a time, the last word overlapping. */
// @ts-ignore: decorator
@inline function isShortAscii(ptr: usize, length: usize): bool {
  let bits: u64 = 0;
  if (length >= 8) {
    for (let i: usize = 0; i + 8 <= length; i += 8) bits |= load<u64>(ptr + i);
    bits |= load<u64>(ptr + length - 8);
  } else {
    for (let i: usize = 0; i < length; i++) bits |= load<u8>(ptr + i);
  }
  return (bits & 0x8080808080808080) == 0;
}

/** Whether the `length` bytes at `ptr` are ASCII (stopping early on text that is not). */
// @ts-ignore: decorator
@inline export function isAsciiRun(ptr: usize, length: usize): bool {
  return asciiPrefix(ptr, length) == length;
}

/**
 * Unmasks (if `masked`) and validates `length` bytes of text at `ptr` in place,
 * continuing from the streaming UTF-8 `state`; returns the new state
 * (0 at a character boundary, 0xFFFFFFFF once invalid).
 */
// @ts-ignore: decorator
@inline export function textPiece(ptr: usize, length: usize, key: u32, phase: u32, masked: bool, state: u32): u32 {
  if (length <= SHORT && state == 0) {
    // At a character boundary, all-ASCII bytes leave it there: one test settles most short messages.
    if (masked) mask(ptr, ptr, length, key, phase);
    return isShortAscii(ptr, length) ? 0 : validateUtf8(ptr, length, 0);
  }
  return masked ? unmaskValidateUtf8(ptr, length, key, phase, state) : validateUtf8(ptr, length, state);
}
