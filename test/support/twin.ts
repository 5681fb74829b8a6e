/** Kernels the frame twin needs, over a plain byte memory. */
import type { FrameTwinDeps } from '../../src/codec/fallback/frame.js';

export function twinDeps(memory: Uint8Array): FrameTwinDeps {
  const mask = (src: number, dst: number, length: number, key: number, phase: number): void => {
    for (let i = 0; i < length; i++) memory[dst + i] = memory[src + i] ^ ((key >>> (((i + phase) & 3) * 8)) & 0xff);
  };
  return {
    mask,
    // TEMPORARY until src/codec/fallback/utf8.ts lands: unmask only, like assembly/frame-text.ts today.
    textPiece: (ptr, length, key, phase, masked, state) => {
      if (masked) mask(ptr, ptr, length, key, phase);
      return state;
    },
  };
}
