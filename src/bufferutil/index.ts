/**
 * A drop-in for the `bufferutil` package (`mask`, `unmask`), requirable by ws.
 * Unlike the native add-on it throws on bad arguments instead of corrupting memory.
 */
import { mask as maskBytes, unmask as unmaskBytes } from '../codec/mask.js';

// Plain data properties, not re-export getters: ws looks `bufferUtil.mask` up
// on every call, and a getter would add a call to each one.
export const mask = maskBytes;
export const unmask = unmaskBytes;
