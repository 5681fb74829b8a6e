/** Kernels the frame twin needs, over a plain byte memory. */
import type { FrameTwinDeps } from '../../src/codec/fallback/frame.js';
import { utf8Kernels } from '../../src/codec/fallback/utf8.js';

export function twinDeps(memory: Uint8Array): FrameTwinDeps {
  const utf8 = utf8Kernels(memory);
  return {
    mask: (src, dst, length, key, phase) => {
      for (let i = 0; i < length; i++) memory[dst + i] = memory[src + i] ^ ((key >>> (((i + phase) & 3) * 8)) & 0xff);
    },
    // assembly/frame-text.ts: unmask (when masked) and validate UTF-8.
    textPiece: (ptr, length, key, phase, masked, state) =>
      masked ? utf8.unmaskValidateUtf8(ptr, length, key, phase, state) : utf8.validateUtf8(ptr, length, state),
  };
}
