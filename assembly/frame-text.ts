// The one place the frame decoder touches text payloads: unmask (when masked)
// and validate UTF-8 in the same pass, carrying the validator state.
import { unmaskValidateUtf8, validateUtf8 } from './utf8';

/**
 * Unmasks (if `masked`) and validates `length` bytes of text at `ptr` in place,
 * continuing from the streaming UTF-8 `state`; returns the new state
 * (0 at a character boundary, 0xFFFFFFFF once invalid).
 */
// @ts-ignore: decorator
@inline export function textPiece(ptr: usize, length: usize, key: u32, phase: u32, masked: bool, state: u32): u32 {
  return masked ? unmaskValidateUtf8(ptr, length, key, phase, state) : validateUtf8(ptr, length, state);
}
